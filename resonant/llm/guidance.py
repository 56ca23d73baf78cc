"""Detector-guided replies for small LLMs.

A 135M-parameter model writes fluent text but drifts: it echoes the prompt, talks about
itself, loops, or forgets what the user said. Guidance keeps what it is good at (a
natural continuation) and lets the detectors supply what it is bad at:

1. an opening sentence built from the detections, acknowledging the emotion and its
   cause in the user's own words (turned to the second person), streamed at once;
2. a callback to a recalled memory when one is clearly relevant;
3. the model's continuation, cut into sentences and screened: sentences about itself,
   repeats, role labels, run-ons and extra questions are dropped, and one is kept;
4. a follow-up question for the emotion when the model asked none, which is also the
   whole continuation when the model drifted and nothing survived the screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from resonant.affect import ekman_of
from resonant.llm.situations import CONTRAST_RE as _CONTRAST_RE
from resonant.llm.situations import Situation, situation_of
from resonant.persona.model import Phrases
from resonant.text.clauses import cause_phrase
from resonant.text.pronouns import second_person
from resonant.text.sentences import SentenceStream
from resonant.text.tokens import tokens

MAX_MODEL_SENTENCES = 1  # measured: a 135M model's second sentence is rarely on topic
MAX_SENTENCE_WORDS = 32
MAX_WORD_CHARS = 18
MEMORY_SIMILARITY = 0.45
REPEAT_OVERLAP = 0.6

# A positive opening is never used for a turn that speaks of death, illness, loss, harm,
# money trouble, a complaint or a negation, whatever the detectors read: congratulating
# someone on a bereavement is the worst thing an empathetic agent can say, so this errs
# broad (a missed congratulation costs little).
_HARD_NEWS_RE = re.compile(
    r"\b(?:die[ds]?|dying|dead|death|passed away|funeral|killed|lost|loss|cancer|tumou?r|"
    r"sick|ill|illness|hospital|surgery|injur\w*|hurt|crying|cried|fired|laid off|layoffs?|"
    r"debt|divorce|broke up|miscarr\w*|accident|stolen|robbed|attacked|abuse\w*|"
    r"put (?:down|to sleep)|can't sleep|won't stop|"
    # Complaints and absences: "nobody remembered", "took credit", "barely text".
    r"no ?one|nobody|never|barely|without|alone|lies|lied|unfair|blamed?|stole|took credit|"
    r"cancell?ed|ignored|moved away|not|\w+n't)\b",
    re.IGNORECASE,
)
_SELF_TALK_RE = re.compile(
    r"\b(?:as an ai|an ai\b|language model|i am a\b|i'm a (?:bot|chatbot|program|computer)|"
    r"my name is|i was trained|i don't have feelings|i also\b|when i was|in my experience|"
    r"my own)\b|^(?:user|assistant|system)\s*:",
    re.IGNORECASE,
)
_META_RE = re.compile(
    r"\b(?:the user|user's|the ai|the assistant|this sentence|the sentence|the message|"
    r"the original|reply|response|rephrase|translat|message|story|character|essay|"
    r"sentences?|users?|computer|text|narrative|paragraph|reader|writer|you're right)",
    re.IGNORECASE,
)
_OWN_WORDS = frozenset({"my", "mine", "myself", "me"})
_YOU_WORDS = frozenset({"you", "your", "you're", "yours", "yourself", "you've", "you'll", "you'd"})
_STOPWORDS = frozenset({
    "the", "and", "that", "this", "with", "have", "from", "they", "them", "what", "when",
    "been", "were", "will", "just", "about", "there", "their", "would", "could", "should",
    "really", "very", "much", "some", "than", "then", "into", "over", "also", "your",
    "you're", "because", "today", "you", "for", "but", "was", "are", "not", "its", "can",
    "had", "has", "how", "who", "why", "she", "her", "him", "his", "our", "out", "all", "any",
    "get", "got", "too", "now", "one", "did", "way", "i'm", "it's",
})  # fmt: skip

OPENINGS: dict[str, tuple[str, str]] = {
    # emotion: (with a cause, without one)
    "sadness": ("I'm so sorry that {cause}.", "I'm so sorry you're going through this."),
    "joy": ("That's wonderful that {cause}!", "That's wonderful to hear!"),
    "anger": (
        "It makes sense that you're angry that {cause}.",
        "It makes sense that you're angry about this.",
    ),
    "fear": (
        "It sounds really scary that {cause}.",
        "It sounds like you're really worried right now.",
    ),
    "surprise": ("Wow, {cause}, that's a lot to take in.", "Wow, that's a lot to take in."),
    "disgust": ("That sounds awful, {cause}.", "That sounds really awful."),
    "neutral": ("Thank you for telling me that {cause}.", "Thank you for telling me."),
    # When the emotion reading and the valence disagree, the opening follows the valence
    # alone: a generic "I'm sorry" costs little, congratulating a bereavement costs a lot.
    "negative": ("I'm sorry to hear that {cause}.", "I'm sorry you're dealing with this."),
    "positive": ("It's great to hear that {cause}!", "It's great to hear that!"),
}
FOLLOW_UPS: dict[str, str] = {
    "sadness": "How are you holding up?",
    "joy": "How are you going to celebrate?",
    "anger": "What would help most right now?",
    "fear": "What worries you most about it?",
    "surprise": "How are you feeling about it?",
    "disgust": "How are you handling it?",
    "neutral": "How are you feeling about it?",
    "negative": "How are you holding up?",
    "positive": "How are you feeling about it?",
}
# Moments whose surface words mislead (resonant.llm.situations): the opening follows what
# happened. "{cause}" is filled from the turn (see `plan_reply`).
SITUATION_OPENINGS: dict[str, tuple[str, str]] = {
    "grief occasion": (
        "Days like this can make missing {cause} so much heavier.",
        "Days like this can make missing someone so much heavier.",
    ),
    "relief": ("What a relief that {cause}.", "What a relief."),
    "mixed news": ("That's a lot at once: {cause}.", "That's a lot of mixed feelings at once."),
    "sarcasm": ("Ugh, {cause}. That's so frustrating.", "Ugh, that sounds so frustrating."),
    "memory question": ("You told me {cause}.", "I don't think you've told me about that yet."),
    "thanks": ("You're welcome; {cause}.", "You're very welcome. I'm glad we talked."),
}
SITUATION_FOLLOW_UPS: dict[str, str] = {
    "grief occasion": "How are you spending the day?",
    "relief": "How are you feeling now that it's behind you?",
    "mixed news": "Which part is sitting with you most?",
    "sarcasm": "How are you holding up with it all?",
    "memory question": "Is there more you'd like to tell me about it?",
    "question": "What feels right to you?",
    "thanks": "I'm here whenever you want to talk.",
}
# A direct question gets an answer to what it asks ({asked}, in the second person).
QUESTION_ANSWERS: dict[str, str] = {
    "is it normal": "It's completely normal to {asked}.",
    "is it wrong": "It's not wrong to {asked}; many people feel that way.",
    "should i": "It's worth thinking through whether you should {asked}.",
    "help me": "Of course, I'd be glad to help you {asked}.",
    "how do i": "Wanting to {asked} makes sense, and small steps can help.",
    "what should i do": "That's a hard spot to be in, and it helps to take it one step at a time.",
    "why do i": "It makes sense to wonder why you {asked}.",
    "do you": "Let's think about that together.",
}
# Model sentences in the wrong register for the moment are screened out: no celebrating a
# loss or a setback, no commiserating over relief.
_CELEBRATING_RE = re.compile(
    r"\b(?:congrat\w*|celebrat\w*|happy birthday|wonderful|great news|how exciting|yay)\b",
    re.IGNORECASE,
)
_COMMISERATING_RE = re.compile(r"\b(?:sorry|awful|terrible|so hard)\b", re.IGNORECASE)
_OFF_REGISTER = {
    "grief occasion": _CELEBRATING_RE,
    "sarcasm": _CELEBRATING_RE,
    "mixed news": _CELEBRATING_RE,
    "relief": _COMMISERATING_RE,
}
# Words that start a fragment, not a clause ("kind of lost" after "I'm excited and also").
_FRAGMENT_START = frozenset({
    "kind", "sort", "so", "really", "very", "also", "just", "quite", "pretty", "bit",
    "totally", "completely", "super", "too", "somewhat", "a",
})  # fmt: skip
# Moments where a small model's improvisation risks the wrong register: the reply is the
# vetted opening and follow-up alone (server LLMs get the situation's note instead).
_NO_IMPROVISING = frozenset({"grief occasion", "relief", "mixed news", "sarcasm", "thanks"})
NEGATIVE_EMOTIONS = frozenset({"sadness", "anger", "fear", "disgust"})
VALENCE_MARGIN = 0.1


def words_of(text: str) -> set[str]:
    return set(tokens(text))


def _overlap(a: str, b: str) -> float:
    first, second = words_of(a), words_of(b)
    return len(first & second) / max(1, min(len(first), len(second)))


def opening_label(emotion: str | None, valence: float | None, user_text: str = "") -> str:
    """The opening to use: the emotion's own when the valence agrees with it, else one
    that follows the valence alone (see OPENINGS); never a positive one for hard news."""
    label = ekman_of(emotion) if emotion else "neutral"
    hard_news = bool(_HARD_NEWS_RE.search(user_text))
    if label == "joy" and (hard_news or valence is None or valence <= 0):
        # A positive opening needs the emotion and the valence to agree and no hard news
        # or complaint in the turn; otherwise the acknowledgement names no feeling.
        return "neutral"
    if valence is None:
        return label
    if label in NEGATIVE_EMOTIONS and valence > VALENCE_MARGIN:
        return "neutral"  # the signals disagree: acknowledge without naming a feeling
    if label in ("neutral", "surprise"):
        if valence < -VALENCE_MARGIN:
            return "negative"
        if valence > 3 * VALENCE_MARGIN and not hard_news:
            return "positive"
    return label


@dataclass(frozen=True, slots=True)
class ReplyPlan:
    """What the detectors contribute to a guided reply."""

    emotion: str
    opening: str
    callback: str | None
    follow_up: str
    topic: frozenset[str] = frozenset()
    # The moment's kind (resonant.llm.situations), when it is one of them.
    situation: str | None = None
    # Model sentences matching this are in the wrong register for the moment.
    avoid: re.Pattern[str] | None = None
    model_sentences: int = MAX_MODEL_SENTENCES

    @property
    def prefix(self) -> str:
        return " ".join(p for p in (self.opening, self.callback) if p)


def plan_reply(
    emotion: str | None,
    cause: str | None,
    memories: Sequence[dict[str, object]],
    *,
    valence: float | None = None,
    user_text: str = "",
    reflect: bool = False,
    phrases: Phrases | None = None,
) -> ReplyPlan:
    """Opening, memory callback and follow-up from whatever signals are enabled, in the
    persona's own words (`phrases`) where it has them. A moment whose surface words
    mislead (resonant.llm.situations) gets an opening that follows what happened."""
    phrases = phrases or Phrases()
    openings = {**OPENINGS, **SITUATION_OPENINGS, **phrases.opening_pairs()}
    follow_ups = {**FOLLOW_UPS, **SITUATION_FOLLOW_UPS, **phrases.follow_ups}
    model_sentences = phrases.model_sentences or MAX_MODEL_SENTENCES
    situation = situation_of(user_text) if user_text else None
    label = opening_label(emotion, valence, user_text)
    callback = None
    if situation is not None:
        opening, callback = _situation_opening(situation, memories, user_text, openings)
        follow_up = follow_ups[situation.kind]
    else:
        with_cause, without = openings[label]
        # With no cause span, the user's own first clause is reflected back instead.
        phrase = cause_phrase(cause) if cause else None
        if phrase is None and reflect and user_text:
            phrase = cause_phrase(user_text)
        opening = with_cause.format(cause=phrase) if phrase else without
        relevant = [m for m in memories if float(str(m.get("similarity", 0))) >= MEMORY_SIMILARITY]
        if relevant:
            remembered = cause_phrase(str(relevant[0]["text"]), first_clause=False)
            if remembered and _overlap(remembered, opening) < REPEAT_OVERLAP:
                callback = f"I remember you told me {remembered}."
        follow_up = follow_ups[label]
    topic = frozenset(
        w for w in words_of(f"{user_text} {callback or ''}") if len(w) >= 3 and w not in _STOPWORDS
    )
    kind = situation.kind if situation else None
    if kind in _NO_IMPROVISING:
        model_sentences = 0
    return ReplyPlan(
        label,
        opening,
        callback,
        follow_up,
        topic,
        situation=kind,
        avoid=_OFF_REGISTER.get(kind or ""),
        model_sentences=model_sentences,
    )


def _situation_opening(
    situation: Situation,
    memories: Sequence[dict[str, object]],
    user_text: str,
    openings: dict[str, tuple[str, str]],
) -> tuple[str, str | None]:
    """(opening, callback) for a moment of `situation`'s kind."""
    if situation.kind == "question":
        form, asked = situation.parts
        return QUESTION_ANSWERS[form].format(asked=_asked_phrase(asked)), None
    with_cause, without = openings[situation.kind]
    phrase: str | None = None
    if situation.kind == "memory question":
        said = [str(m["text"]) for m in memories if str(m.get("text", "")) != user_text]
        phrase = cause_phrase(said[0], first_clause=False) if said else None
    elif situation.kind == "relief":
        # "I was sure I'd be laid off, but I kept my job": the relief is what came after.
        halves = _CONTRAST_RE.split(user_text, maxsplit=1)
        phrase = cause_phrase(halves[-1])
    elif situation.kind == "sarcasm":
        phrase = cause_phrase(situation.parts[0])
    elif situation.kind == "mixed news":
        good, hard = (cause_phrase(part) for part in situation.parts)
        whole = good and hard and not any(p.split()[0] in _FRAGMENT_START for p in (good, hard))
        phrase = f"{good}, and {hard}" if whole else None
    return (with_cause.format(cause=phrase) if phrase else without), None


def _asked_phrase(asked: str) -> str:
    """What a question asks, in the second person and without its end mark."""
    return second_person(asked.rstrip("?.! ")).strip()


def keep_sentence(sentence: str, kept: Sequence[str], topic: frozenset[str] = frozenset()) -> bool:
    """The screen a model sentence must pass to be spoken: short, about the user (it
    addresses them or uses a word of what they said), not about the model itself, not a
    repeat, and not a second question."""
    found = words_of(sentence)
    if len(sentence.split()) > MAX_SENTENCE_WORDS or len(found) < 2:
        return False
    if _SELF_TALK_RE.search(sentence) or _META_RE.search(sentence) or found & _OWN_WORDS:
        return False
    # About the user: it addresses them and touches what they said, or it is clearly on
    # their topic. Small models produce many fluent sentences that do neither.
    on_topic = len(found & topic)
    addresses = bool(found & _YOU_WORDS)
    if not ((addresses and (on_topic or not topic)) or on_topic >= 2):
        return False
    if any(len(word) > MAX_WORD_CHARS for word in found):
        return False  # glued-together tokens, a sign of a degenerate generation
    if any(_overlap(sentence, earlier) >= REPEAT_OVERLAP for earlier in kept):
        return False
    return not ("?" in sentence and any("?" in earlier for earlier in kept))


def guided_reply(plan: ReplyPlan, model_pieces: Iterable[str]) -> Iterator[str]:
    """Yield the reply sentence by sentence: the plan's prefix first (before the model has
    written anything), then the screened model sentences, then the follow-up if needed."""
    kept: list[str] = [plan.opening] + ([plan.callback] if plan.callback else [])
    # Each piece ends with a space, so a listener cutting sentences (the voice pipeline)
    # sees the opening as complete at once, before the model has produced anything.
    yield f"{plan.prefix} "
    from_model = 0
    stream = SentenceStream()

    def screen(sentences: list[str]) -> Iterator[str]:
        nonlocal from_model
        for sentence in sentences:
            if plan.avoid is not None and plan.avoid.search(sentence):
                continue
            if from_model < plan.model_sentences and keep_sentence(sentence, kept, plan.topic):
                kept.append(sentence)
                from_model += 1
                yield f"{sentence} "

    # With nothing to take from the model, it is never asked (no generation time spent).
    pieces = iter(model_pieces) if plan.model_sentences > 0 else iter(())
    for piece in pieces:
        yield from screen(stream.feed(piece))
        if from_model >= plan.model_sentences:
            break  # stop reading: the model has said enough (saves generation time too)
    else:
        # A trailing fragment without an end mark is usually cut off by the token limit.
        yield from screen([s for s in stream.flush() if s.rstrip()[-1:] in ".!?"])
    if not any("?" in sentence for sentence in kept):
        yield plan.follow_up
