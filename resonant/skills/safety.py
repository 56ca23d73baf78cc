"""Crisis-cue detection: suicidal ideation, self-harm, abuse and medical emergencies.

Patterns are first-person and specific on purpose: recall matters most here, but
idioms ("this exam is killing me", "I could die laughing") must not trigger the crisis
route, so each category lists the hard negatives it ignores. A flagged turn routes the
agent through the `safeguard` node whatever the LLM writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
        r"\b(?:don'?t|do not) want to (?:live|be alive|exist|wake up)\b",
        r"\b(?:better off|be better) (?:if i (?:was|were|am) )?(?:dead|gone|without me)\b",
        r"\bno (?:reason|point) (?:to|in) (?:live|living|go(?:ing)? on)\b",
        r"\btake my (?:own )?life\b",
        r"\b(?:not|won'?t|will not) be here anymore\b",
        # The wish to be dead as the C-SSRS screening question words it ("wished you could
        # go to sleep and not wake up"), and losing the point of living.
        r"\b(?:go to sleep|fall asleep) and (?:not|never) wake up\b",
        r"\b(?:don'?t|do not|can'?t|cannot) see (?:the|any) point (?:in|of) (?:living|life|"
        r"going on|being alive)\b",
        # Slang and euphemisms: "kms", "unalive myself", "sewerslide", "ctb".
        r"\bkms\b",
        r"\bunalive (?:myself|me)\b",
        r"\bsewerslide\b",
        r"\b(?:going to|gonna|want to|wanna|will) ctb\b",
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

# The main non-English crisis statements (Spanish, German, French, Portuguese, Italian).
# The rest of the agent reads English only; these cues make sure a disclosure in another
# language still takes the safe route. Accents are optional where people often drop them.
FOREIGN_CRISIS_PATTERNS: dict[str, tuple[str, ...]] = {
    "suicide": (
        # Spanish
        r"\b(?:quiero|voy a|pienso en|quisiera) (?:morir(?:me)?|matarme|suicidarme)\b",
        r"\bme (?:quiero|voy a) (?:matar|morir|suicidar)\b",
        r"\bno quiero (?:seguir )?vivir\b",
        r"\bquitarme la vida\b",
        r"\bno (?:vale|tiene sentido) (?:la pena )?(?:seguir )?vivir\b",
        # German
        r"\bich (?:will|möchte|mochte|werde) (?:sterben|mich umbringen|mich töten|"
        r"mich toten|nicht mehr leben)\b",
        r"\b(?:mich|mir) (?:umbringen|das leben nehmen)\b",
        r"\bich bringe mich um\b",
        r"\bselbstmord(?:gedanken)?\b",
        r"\bsuizid(?:gedanken|al)?\b",
        # French
        r"\bje (?:veux|vais|voudrais) (?:mourir|me tuer|me suicider|en finir)\b",
        r"\bj'ai envie de (?:mourir|me tuer|me suicider|en finir)\b",
        r"\bje ne veux plus vivre\b",
        r"\bmettre fin à mes jours\b",
        # Portuguese
        r"\b(?:quero|vou) (?:morrer|me matar|me suicidar|tirar (?:a )?minha (?:própria )?vida)\b",
        r"\bn(?:ã|a)o quero mais viver\b",
        # Italian
        r"\b(?:voglio|vorrei) (?:morire|uccidermi|suicidarmi|farla finita)\b",
        r"\bmi voglio (?:uccidere|ammazzare)\b",
        r"\bnon voglio più vivere\b",
        r"\btogliermi la vita\b",
    ),
    "self_harm": (
        r"\bme (?:corto|estoy cortando|hago daño)\b",  # Spanish
        r"\bich ritze mich\b",  # German
        r"\bje me (?:scarifie|mutile|fais du mal)\b",  # French
        r"\beu me corto\b",  # Portuguese
        r"\bmi (?:taglio|faccio del male)\b",  # Italian
    ),
}

# Idioms and third-person or educational mentions that share words with the cues above;
# a cue matched inside one of these spans is ignored.
PHRASE_IDIOMS: tuple[str, ...] = (
    r"\b(?:is|are|was|were|it'?s) killing me\b",
    r"\b(?:die|dying|died) (?:of|from) (?:laughter|laughing|embarrassment|boredom|shame)\b",
    r"\bcould (?:die|kill)\b",
    r"\bdying to\b",
    r"\bkilled it\b",
    r"\bkilled myself laughing\b",
    r"\bdie (?:my|her|his|your) hair\b",
    r"\bbeat me (?:at|in|to)\b",
)
# Idioms and topic mentions that cover their whole sentence: "laughed so hard I can't
# breathe", "a documentary about suicide prevention". Matching them per sentence (never
# with an unbounded `[^.!?]*` around them) keeps the check linear in the text's length.
SENTENCE_IDIOMS: tuple[str, ...] = (
    r"\bcan'?t breathe (?:from|with|in|because of) (?:laughter|laughing|this|the)\b",
    r"\blaugh(?:ing|ed)? so (?:hard|much)\b",
    r"\b(?:pillow fight|with a pillow|under the table)\b",
    # Talking *about* crisis topics (prevention, helping someone else) is not a disclosure.
    r"\b(?:prevention|awareness|documentary|shelter|hotline|volunteer\w*|lecture|"
    r"how (?:do|can) i help)\b",
)
# A cue right after one of these ("I don't want to die", "I would never kill myself",
# "no quiero morir") says the opposite of the cue. Patterns that carry their own negation
# ("don't want to live") match it inside the cue, so the check looks only before it.
NEGATION_WINDOW = 3
NEGATORS = frozenset(
    {
        "not", "never", "no", "don't", "dont", "didn't", "won't", "wont", "wouldn't",
        "wouldnt", "wasn't", "isn't", "aren't", "can't", "cant", "cannot", "shouldn't",
        "nicht", "nie", "niemals", "kein", "keine", "ne", "jamais", "não", "nao", "non",
        "mai", "nunca", "jamás", "jamas",
    }
)  # fmt: skip

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

_CUES = tuple(
    (category, re.compile(p, re.IGNORECASE))
    for table in (CRISIS_PATTERNS, FOREIGN_CRISIS_PATTERNS)
    for category, patterns in table.items()
    for p in patterns
)
_PHRASE_IDIOM_RES = tuple(re.compile(p, re.IGNORECASE) for p in PHRASE_IDIOMS)
_SENTENCE_IDIOM_RES = tuple(re.compile(p, re.IGNORECASE) for p in SENTENCE_IDIOMS)
_UNSAFE_REPLY_RES = tuple(re.compile(p, re.IGNORECASE) for p in UNSAFE_REPLY_PATTERNS)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?;\n])")
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Sentences longer than this are read in overlapping windows, so each regex runs on a
# bounded piece and the whole check stays linear in the text's length. A cue or idiom
# is far shorter than the overlap, so none is cut in half unseen.
WINDOW = 400
OVERLAP = 120
DENIAL_WORDS = 12


def _normalise(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _windows(text: str) -> Iterator[str]:
    for sentence in _SENTENCE_END_RE.split(text):
        if len(sentence) <= WINDOW:
            if sentence.strip():
                yield sentence
            continue
        for start in range(0, len(sentence) - OVERLAP, WINDOW - OVERLAP):
            yield sentence[start : start + WINDOW]


def _negated(window: str, cue_start: int) -> bool:
    before = _WORD_RE.findall(window[max(0, cue_start - 40) : cue_start].lower())
    return any(word in NEGATORS for word in before[-NEGATION_WINDOW:])


def _cues(window: str) -> Iterator[tuple[str, str, bool]]:
    """(category, phrase, negated) for each crisis cue in one window that no idiom
    explains away."""
    if any(rx.search(window) for rx in _SENTENCE_IDIOM_RES):
        return
    idiom_spans = [m.span() for rx in _PHRASE_IDIOM_RES for m in rx.finditer(window)]
    for category, pattern in _CUES:
        for match in pattern.finditer(window):
            inside_idiom = any(
                start <= match.start() < end or start < match.end() <= end
                for start, end in idiom_spans
            )
            if not inside_idiom:
                yield category, match.group(0), _negated(window, match.start())


def find_crisis_cue(text: str) -> tuple[str, str] | None:
    """The first crisis cue in `text` as (category, matched phrase), or None.

    Linear in the text's length whatever its punctuation (see `WINDOW`).
    """
    for window in _windows(_normalise(text)):
        for category, phrase, negated in _cues(window):
            if not negated:
                return category, phrase
    return None


def is_denial(text: str) -> bool:
    """Whether a short turn is only a negated crisis statement ("I don't want to die",
    "I would never hurt myself"): a sentence of at most `DENIAL_WORDS` words whose every
    crisis cue is negated. Longer texts are never denials: "I don't want to die, but I
    can't go on" must stay a crisis."""
    normalised = _normalise(text)
    if len(_WORD_RE.findall(normalised)) > DENIAL_WORDS:
        return False
    windows = list(_windows(normalised))
    if len(windows) != 1:
        return False
    found = list(_cues(windows[0]))
    return bool(found) and all(negated for _, _, negated in found)


def is_idiomatic(text: str) -> bool:
    """Whether the text contains one of the known non-crisis idioms or topic mentions."""
    return any(
        rx.search(window)
        for window in _windows(_normalise(text))
        for rx in (*_SENTENCE_IDIOM_RES, *_PHRASE_IDIOM_RES)
    )


def is_unsafe_reply(text: str) -> bool:
    """Whether a drafted reply to a person in crisis must be withheld."""
    normalised = _normalise(text)
    return any(rx.search(normalised) for rx in _UNSAFE_REPLY_RES) or any(
        rx.search(window) for window in _windows(normalised) for _, rx in _CUES
    )


class KeywordSafetySkill:
    """Flags crisis disclosures in a turn with the category and the matching phrase."""

    name = "keyword-safety"
    kind = "safety"

    def detect(self, turn: SkillInput) -> Detection:
        found = find_crisis_cue(turn.text)
        if found is None:
            return Detection(skill=self.name, kind="safety", flagged=False, score=1.0)
        category, phrase = found
        return Detection(
            skill=self.name,
            kind="safety",
            flagged=True,
            category=category,
            label=phrase,
            score=1.0,
        )
