"""What kind of moment a turn is, where its surface words mislead an emotion reading.

"Today would have been his birthday" reads as joy to a classifier, "great, just great, my
car got towed" as delight, "the chemo is finally over" as illness, and a question to the
agent as an emotion to acknowledge rather than something to answer. These are found by
rules on the turn's words (each kind below names what it looks for), and the reply then
follows what happened rather than the surface feeling:

- "grief occasion": a birthday, anniversary or holiday of someone who died;
- "relief": bad news that has ended (treatment over, results clear, debt paid off);
- "mixed news": good and hard news in one turn, joined by but/though/yet/and also;
- "sarcasm": a cheerful interjection followed by a setback;
- "memory question": a question about what the user told the agent before;
- "question": another direct question to the agent (advice, "is it normal", help);
- "thanks": the user thanking the agent or closing the conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PEOPLE = (
    r"(?:mum|mom|mother|dad|father|parents?|brother|sister|son|daughter|wife|husband|"
    r"partner|friend|best friend|grandma|grandpa|granny|grandmother|grandfather|nan|baby|"
    r"child|kid|uncle|aunt|cousin|dog|cat|fianc[ée]e?|boyfriend|girlfriend|him|her|them)"
)
_DEATH_RE = re.compile(
    r"\b(?:died|dies|passed(?: away| on)?|death|dead|buried|burial|funeral|grave|in heaven|"
    r"rest in peace|would have (?:been|turned)|since (?:he|she|they) (?:died|passed|left us)|"
    rf"lost (?:my|our) (?:\w+ )?{_PEOPLE}|without (?:my |our )?(?:\w+ )?{_PEOPLE}\b|"
    r"not here (?:anymore|to)|miss(?:ing)? (?:you|him|her|them))\b",
    re.IGNORECASE,
)
_OCCASION_RE = re.compile(
    r"\b(?:birthday|anniversary|christmas|holidays?|thanksgiving|hanukkah|eid|diwali|"
    r"new year|wedding|mother's day|father's day|today|tomorrow|turned|turn \w+|"
    r"years? ago)\b",
    re.IGNORECASE,
)
_WOULD_HAVE_RE = re.compile(r"\bwould have (?:been|turned)\b", re.IGNORECASE)
_ENDED_RE = re.compile(
    r"\b(?:finally (?:over|done|gone|finished|home|out|paid|clear)|(?:is|it's|are) over|"
    r"all clear|benign|went well|(?:is|are) gone|(?:out of|home from) (?:the )?(?:icu|hospital)|"
    r"safe now|(?:he|she|they)'s safe|paid off|kept my job|cancer[- ]free|in remission|"
    r"breathing on (?:his|her|their|my) own|breathe again|relieved|what a relief|"
    r"(?:is|was) finally (?:done|over))\b",
    re.IGNORECASE,
)
_HARDSHIP_RE = re.compile(
    r"\b(?:chemo\w*|radiation|cancer|surgery|operation|tumou?r|biopsy|divorce|icu|debts?|laid off|"
    r"lost|hospital|scan|results|lump|fighting|missing|court|lawsuit|treatment|sick|ill|"
    r"trial|custody|eviction|unemployed)\b",
    re.IGNORECASE,
)
CONTRAST_RE = re.compile(r",? \b(?:but|though|although|yet|and also|while at the same time)\b ")
_GOOD_RE = re.compile(
    r"\b(?:got the job|new job|promot\w+|married|engaged|baby|pregnant|graduat\w+|won|award|"
    r"sold|accepted|passed|retire\w*|excited|happy|proud|glad|thrilled|finally quit|"
    r"good price|dream)\b",
    re.IGNORECASE,
)
_HARD_RE = re.compile(
    r"\b(?:away from|terrified|afraid|scared|alone|lonely|lost|wasn't (?:alive|there)|"
    r"isn't here|no idea how|broke my heart|heartbroken|goodbye|not being there|miss|sad|"
    r"can't afford|worried|anxious|guilty|empty)\b",
    re.IGNORECASE,
)
_SARCASTIC_START_RE = re.compile(
    r"^\W*(?:oh,? )?(?:great|just great|wonderful|perfect|fantastic|awesome|brilliant|lovely|"
    r"yay|nice|terrific|splendid|love that for me|just what i needed(?: today)?|"
    r"exactly what i needed)\b[.,!]*\s*(?:(?:just|so|really) (?:great|perfect|wonderful)[.,!]*)?",
    re.IGNORECASE,
)
_SETBACK_RE = re.compile(
    r"\b(?:towed|cancell?ed|reject\w*|flat|spilled|stuck|broke|broken|died|crashed|late|"
    r"delayed|raising|raised|overtime|ticket|fined|again|lost|missed|rain\w*|sick|leak\w*|"
    r"fired|dumped|ghosted|failed|locked out|stolen|whole weekend|traffic)\b",
    re.IGNORECASE,
)
_MEMORY_QUESTION_RE = re.compile(
    r"\b(?:do you (?:still )?remember|remember (?:what|when|where|which|who|how|my)|"
    r"what did i (?:tell|say)|what do you (?:remember|know) about|did i (?:tell|mention)|"
    r"what (?:was|is|'s) my|what's my|which \w+ (?:am|was|did|do) i|where (?:is|was) my|"
    r"who (?:is|was) my|(?:told|tell) you about)\b",
    re.IGNORECASE,
)
_THANKS_RE = re.compile(
    r"^\W*(?:thanks|thank you|thank u|thx|ty|cheers|appreciate (?:it|you|that))"
    r"(?: (?:so|very) much| a lot| again| really| for (?:listening|everything|your help|"
    r"the chat|talking|being here|that|this|hearing me out|the advice))*[\s.!,:)]*$",
    re.IGNORECASE,
)
# Direct questions, each with the part that is asked about (group "asked").
QUESTION_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("is it normal", r"^is it (?:normal|okay|ok|alright|fine) (?:to|that|if) (?P<asked>.+)$"),
        (
            "is it wrong",
            r"^is it (?:bad|weird|wrong|strange|selfish) (?:to|that|if) (?P<asked>.+)$",
        ),
        ("should i", r"^(?:do you think |would you say )?(?:i should|should i) (?P<asked>.+)$"),
        ("help me", r"^(?:can|could|would|will) you (?:please )?help me (?:to )?(?P<asked>.+)$"),
        ("how do i", r"^how (?:do|can|should|could) i (?P<asked>.+)$"),
        ("what should i do", r"^what (?:should|can|do) i do(?: about| with)? ?(?P<asked>.*)$"),
        ("why do i", r"^why (?:do|am|can't|cannot|does) (?:i|it) (?P<asked>.+)$"),
        ("do you", r"^(?:do|can|could|would|will|are) you (?P<asked>.+)$"),
    )
)


@dataclass(frozen=True, slots=True)
class Situation:
    """A kind of moment (see the module docstring) and its parts: for mixed news the good
    and the hard half, for sarcasm the setback, for a question its form and what it asks."""

    kind: str
    parts: tuple[str, ...] = ()


def _last_sentence(text: str) -> str:
    pieces = [p.strip() for p in re.split(r"(?<=[.!?])\s+", text.strip()) if p.strip()]
    return pieces[-1] if pieces else ""


def situation_of(text: str) -> Situation | None:
    """The kind of moment `text` is, or None for an ordinary turn."""
    text = " ".join(text.split())
    if _THANKS_RE.match(text):
        return Situation("thanks")
    asked = _last_sentence(text)
    if asked.endswith("?"):
        if _MEMORY_QUESTION_RE.search(asked):
            return Situation("memory question", (asked,))
        question = asked.rstrip("?").strip()
        for form, pattern in QUESTION_FORMS:
            found = pattern.match(question)
            if found:
                return Situation("question", (form, found.group("asked").strip()))
    if _DEATH_RE.search(text) and (_OCCASION_RE.search(text) or _WOULD_HAVE_RE.search(text)):
        return Situation("grief occasion")
    if _ENDED_RE.search(text) and _HARDSHIP_RE.search(text):
        return Situation("relief")
    sarcastic = _SARCASTIC_START_RE.match(text)
    if sarcastic and _SETBACK_RE.search(text[sarcastic.end() :]):
        return Situation("sarcasm", (text[sarcastic.end() :].strip(),))
    halves = CONTRAST_RE.split(text, maxsplit=1)
    if len(halves) == 2:
        first, second = halves
        if _GOOD_RE.search(first) and _HARD_RE.search(second):
            return Situation("mixed news", (first, second))
        if _HARD_RE.search(first) and _GOOD_RE.search(second):
            return Situation("mixed news", (second, first))
    return None
