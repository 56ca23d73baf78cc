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
from resonant.llm.sentences import SentenceStream, sentences_of
from resonant.skills._lexicon import tokens

MAX_CAUSE_WORDS = 14
MAX_MODEL_SENTENCES = 1  # measured: a 135M model's second sentence is rarely on topic
MAX_SENTENCE_WORDS = 32
MAX_WORD_CHARS = 18
MEMORY_SIMILARITY = 0.45
REPEAT_OVERLAP = 0.6

_SWAPS = [
    (r"\bI am\b", "you are"), (r"\bI'm\b", "you're"), (r"\bI've\b", "you've"),
    (r"\bI'd\b", "you'd"), (r"\bI'll\b", "you'll"), (r"\bI was\b", "you were"),
    (r"\bI\b", "you"), (r"\bmy\b", "your"), (r"\bme\b", "you"), (r"\bmine\b", "yours"),
    (r"\bmyself\b", "yourself"), (r"\bwe're\b", "you're"), (r"\bwe\b", "you"),
    (r"\bour\b", "your"), (r"\bus\b", "you"), (r"\bam\b", "are"),
]  # fmt: skip
_SWAP_RES = [(re.compile(p, re.IGNORECASE), r) for p, r in _SWAPS]
_DANGLING = frozenset({
    "and", "or", "but", "so", "because", "i", "i'm", "just", "of", "for", "to", "the", "a",
    "an", "my", "your", "you", "with", "about", "at", "in", "on", "is", "was", "are", "were",
    "be", "been", "very", "really",
})  # fmt: skip
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
# Where a long cause span is cut to its first clause: punctuation, or a conjunction that
# starts a new clause ("... a lump and I have to wait", "... tomorrow but I'm not ready").
_CLAUSE_CUT_RE = re.compile(
    r",|;| - | (?:and|but|so) (?:i|i'm|i've|it|that|we|my|now)\b| because | while | since ",
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
NEGATIVE_EMOTIONS = frozenset({"sadness", "anger", "fear", "disgust"})
VALENCE_MARGIN = 0.1


def second_person(text: str) -> str:
    """'I lost my job' -> 'you lost your job': the user's words, said back to them."""
    for pattern, replacement in _SWAP_RES:
        text = pattern.sub(replacement, text)
    return text


def cause_phrase(span: str, *, first_clause: bool = True) -> str | None:
    """The event part of a cause span, short and in the second person; None when no
    clean phrase of at most MAX_CAUSE_WORDS words can be cut from it. `first_clause=False`
    keeps a short sentence whole (a remembered fact lives in its details)."""
    span = next(iter(sentences_of(span)), "").rstrip(".!?…").strip()
    if first_clause and len(span.split()) > 8:
        cut = _CLAUSE_CUT_RE.search(span)
        if cut and len(span[: cut.start()].split()) >= 3:
            span = span[: cut.start()]
    words = span.split()
    # Detector spans can end mid-clause ("... and I just"): trim dangling function words.
    while words and words[-1].lower().strip(",") in _DANGLING:
        words.pop()
    if not 2 <= len(words) <= MAX_CAUSE_WORDS:
        return None
    phrase = second_person(" ".join(words).rstrip(","))
    return phrase[:1].lower() + phrase[1:]


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
) -> ReplyPlan:
    """Opening, memory callback and follow-up from whatever signals are enabled."""
    label = opening_label(emotion, valence, user_text)
    with_cause, without = OPENINGS[label]
    # With no cause span, the user's own first clause is reflected back instead.
    phrase = cause_phrase(cause) if cause else None
    if phrase is None and reflect and user_text:
        phrase = cause_phrase(user_text)
    opening = with_cause.format(cause=phrase) if phrase else without
    callback = None
    relevant = [m for m in memories if float(str(m.get("similarity", 0))) >= MEMORY_SIMILARITY]
    if relevant:
        remembered = cause_phrase(str(relevant[0]["text"]), first_clause=False)
        if remembered and _overlap(remembered, opening) < REPEAT_OVERLAP:
            callback = f"I remember you told me {remembered}."
    topic = frozenset(
        w for w in words_of(f"{user_text} {callback or ''}") if len(w) >= 3 and w not in _STOPWORDS
    )
    return ReplyPlan(label, opening, callback, FOLLOW_UPS[label], topic)


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
            if from_model < MAX_MODEL_SENTENCES and keep_sentence(sentence, kept, plan.topic):
                kept.append(sentence)
                from_model += 1
                yield f"{sentence} "

    for piece in model_pieces:
        yield from screen(stream.feed(piece))
        if from_model >= MAX_MODEL_SENTENCES:
            break  # stop reading: the model has said enough (saves generation time too)
    else:
        # A trailing fragment without an end mark is usually cut off by the token limit.
        yield from screen([s for s in stream.flush() if s.rstrip()[-1:] in ".!?"])
    if not any("?" in sentence for sentence in kept):
        yield plan.follow_up
