"""Crisis-cue detection: suicidal ideation, self-harm, abuse and medical emergencies.

Patterns are first-person and specific on purpose: recall matters most here, but
idioms ("this exam is killing me", "I could die laughing") must not trigger the crisis
route, so each category lists the hard negatives it ignores. A flagged turn routes the
agent through the `safeguard` node whatever the LLM writes.
"""

from __future__ import annotations

import re

from resonant.skills.base import Detection, SkillInput

_FAMILY = (
    r"(?:he|she|they|my (?:husband|wife|partner|boyfriend|girlfriend|ex|dad|father|mom|"
    r"mum|mother|stepdad|stepfather|stepmom|parents?|brother|sister|uncle|boss|teacher|coach))"
)

CRISIS_PATTERNS: dict[str, tuple[str, ...]] = {
    "suicide": (
        r"\b(?:kill|killing|killed) myself\b",
        r"\bend(?:ing)? (?:my life|it all|things)\b",
        # "suicide" alone is often about a topic or a career; require a first-person frame.
        r"\b(?:i'?m|i am|i feel|feeling|been|having|thinking about|think about|thoughts of|"
        r"considering|contemplating)\s+(?:\w+\s+){0,2}?suicid(?:e|al)\b",
        r"\bsuicidal (?:thoughts|ideation|feelings|urges)\b",
        r"\b(?:want|wanna|going|ready|plan(?:ning)?) to die\b",
        r"\bwanna die\b",
        r"\bwish(?:ing|ed)? i (?:was|were) dead\b",
        r"\bdon'?t want to (?:live|be alive|exist|wake up)\b",
        r"\b(?:better off|be better) (?:if i (?:was|were|am) )?(?:dead|gone|without me)\b",
        r"\bno (?:reason|point) (?:to|in) (?:live|living|go(?:ing)? on)\b",
        r"\btake my (?:own )?life\b",
        r"\b(?:not|won'?t|will not) be here anymore\b",
    ),
    "self_harm": (
        r"\b(?:cut|cutting|burn|burning|hurt|hurting|harm|harming|starve|starving) myself\b",
        r"\bself[- ]?harm",
        r"\brelapsed? (?:on|into) (?:cutting|self[- ]?harm)",
    ),
    "abuse": (
        rf"\b{_FAMILY} (?:hits|hit|beats|beat|chokes|choked|kicks|kicked|rapes|raped|"
        r"abuses|abused|threatens to kill|touches|touched) me\b",
        r"\bi(?: was| am|'m| have been|'ve been| got| get) (?:being )?(?:abused|molested|raped|"
        r"sexually assaulted|beaten(?: up)?)\b",
        r"\b(?:afraid|scared|terrified) (?:to go|of going) home\b(?! late| alone| in the dark)",
        r"\b(?:living with|suffering) (?:domestic|sexual) (?:violence|abuse)\b",
        r"\bscared (?:he|she|they)(?:'ll| will| is going to) (?:hurt|kill) me\b",
    ),
    "medical_emergency": (
        r"\boverdos(?:e|ed|ing)\b",
        r"\btook (?:a (?:lot|bunch|handful) of|all (?:my|the|of my)) (?:\w+ )?"
        r"(?:pills|tablets|meds|medication|antidepressants|painkillers)\b",
        r"\bcan'?t breathe\b",
        r"\b(?:having|have|got|getting|feel|feeling) (?:bad |severe |sharp )?chest pains?\b",
        r"\bhaving (?:a )?(?:heart attack|stroke|seizure)\b",
        r"\bbleeding (?:heavily|a lot|badly|won'?t stop)\b",
        r"\bswallowed (?:bleach|poison)\b",
    ),
}

# Idioms and third-person or educational mentions that share words with the cues above;
# a cue matched inside one of these spans is ignored.
HARD_NEGATIVES: tuple[str, ...] = (
    r"\b(?:is|are|was|were|it'?s) killing me\b",
    r"\b(?:die|dying|died) (?:of|from) (?:laughter|laughing|embarrassment|boredom|shame)\b",
    r"\bcould (?:die|kill)\b",
    r"\bdying to\b",
    r"\bkilled it\b",
    r"\bkilled myself laughing\b",
    r"\bdie (?:my|her|his|your) hair\b",
    r"\bcan'?t breathe (?:from|with|in|because of) (?:laughter|laughing|this|the)\b[^.!?]*",
    # The idiom covers the rest of its sentence: "laughed so hard I can't breathe".
    r"\blaugh(?:ing|ed)? so (?:hard|much)[^.!?]*",
    r"\bbeat me (?:at|in|to)\b",
    r"[^.!?]*\b(?:pillow fight|with a pillow|under the table)\b[^.!?]*",
    # Talking *about* crisis topics (prevention, helping someone else) is not a disclosure.
    r"[^.!?]*\b(?:prevention|awareness|documentary|shelter|hotline|volunteer\w*|lecture|"
    r"how (?:do|can) i help)\b[^.!?]*",
)

# What an LLM draft must never say to someone in crisis: encouragement of harm, method
# talk, or dismissal. Used to screen drafts in the safeguard route, so it errs broad.
UNSAFE_REPLY_PATTERNS: tuple[str, ...] = (
    r"\b(?:kill|hurt|harm|cut|starve) (?:yourself|urself)\b",
    r"\bkys\b",
    r"\bend (?:your|ur) (?:life|own life)\b",
    r"\b(?:you should|go) (?:die|jump)\b",
    # Encouragement to act on the disclosure ("just do it", "go through with it").
    r"\b(?:just|go ahead and|you should) (?:do it|end it|go through with it)\b",
    r"\bgo (?:ahead|for it)\b",
    r"\b(?:no ?one|nobody) would (?:care|miss you|notice)\b",
    r"\bbetter off without you\b",
    r"\b(?:how many|which) (?:pills|tablets)\b",
    r"\b(?:get over it|not a big deal|stop being (?:so )?dramatic|man up|toughen up)\b",
    r"\b(?:lol|lmao|haha)\b",
)

_COMPILED = {
    category: tuple(re.compile(p, re.IGNORECASE) for p in patterns)
    for category, patterns in CRISIS_PATTERNS.items()
}
_NEGATIVE_RES = tuple(re.compile(p, re.IGNORECASE) for p in HARD_NEGATIVES)
_UNSAFE_REPLY_RES = tuple(re.compile(p, re.IGNORECASE) for p in UNSAFE_REPLY_PATTERNS)


def _normalise(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def is_idiomatic(text: str) -> bool:
    """Whether the text contains one of the known non-crisis idioms or topic mentions."""
    normalised = _normalise(text)
    return any(rx.search(normalised) for rx in _NEGATIVE_RES)


def is_unsafe_reply(text: str) -> bool:
    """Whether a drafted reply to a person in crisis must be withheld."""
    normalised = _normalise(text)
    return any(rx.search(normalised) for rx in _UNSAFE_REPLY_RES) or any(
        rx.search(normalised) for patterns in _COMPILED.values() for rx in patterns
    )


class KeywordSafetyDetector:
    """Flags crisis disclosures in a turn with the category and the matching phrase."""

    name = "keyword-safety"
    kind = "safety"

    def detect(self, turn: SkillInput) -> Detection:
        text = _normalise(turn.text)
        idiom_spans = [m.span() for rx in _NEGATIVE_RES for m in rx.finditer(text)]
        for category, patterns in _COMPILED.items():
            for pattern in patterns:
                for match in pattern.finditer(text):
                    inside_idiom = any(
                        start <= match.start() < end or start < match.end() <= end
                        for start, end in idiom_spans
                    )
                    if not inside_idiom:
                        return Detection(
                            skill=self.name,
                            kind="safety",
                            flagged=True,
                            category=category,
                            label=match.group(0),
                            score=1.0,
                        )
        return Detection(skill=self.name, kind="safety", flagged=False, score=1.0)
