"""Clauses: cutting a span of the user's words down to one well-formed clause.

A reply that says the user's words back ("...since you lost your job") must quote a
clause about what happened, never an interjection or a fragment ("sorry, you know",
"kind of lost"); when no clean clause can be cut, the caller says nothing back.
"""

from __future__ import annotations

import re

from resonant.text.pronouns import second_person
from resonant.text.sentences import sentences_of

MAX_CAUSE_WORDS = 14
_DANGLING = frozenset({
    "and", "or", "but", "so", "because", "i", "i'm", "just", "of", "for", "to", "the", "a",
    "an", "my", "your", "you", "with", "about", "at", "in", "on", "is", "was", "are", "were",
    "be", "been", "very", "really",
})  # fmt: skip
# Where a long cause span is cut to its first clause: punctuation, or a conjunction that
# starts a new clause ("... a lump and I have to wait", "... tomorrow but I'm not ready").
_CLAUSE_CUT_RE = re.compile(
    r",|;| - | (?:and|but|so) (?:i|i'm|i've|it|that|we|my|now)\b| because | while | since ",
    re.IGNORECASE,
)
# A cause phrase must read as a clause about something that happened: not an interjection,
# a thank-you or filler ("sorry, you know", "thanks for listening").
_NOT_A_CLAUSE_START = frozenset({
    "sorry", "thanks", "thank", "please", "yes", "no", "yeah", "well", "oh", "so", "hey",
    "hi", "hello", "ok", "okay", "anyway", "like", "um", "lol", "wow", "great", "just",
    "haha", "hmm", "what", "why", "how", "who", "when", "where", "which", "do", "does",
    "did", "can", "could", "would", "should", "is", "are", "am",
})  # fmt: skip
_FILLER_RE = re.compile(
    r"\b(?:you know|sorry|thank you|thanks|i mean|kind of like)\b", re.IGNORECASE
)
# Prepositions that open a scene-setting phrase before the clause ("After two years of
# fighting, the divorce is done"): the clause after the comma is what happened.
_SCENE_START = frozenset({
    "after", "before", "since", "following", "despite", "with", "for", "during", "today",
    "yesterday", "tonight", "finally", "well",
})  # fmt: skip


def cause_phrase(span: str, *, first_clause: bool = True) -> str | None:
    """The event part of a cause span, short and in the second person; None when no
    clean phrase of at most MAX_CAUSE_WORDS words can be cut from it. `first_clause=False`
    keeps a short sentence whole (a remembered fact lives in its details)."""
    span = next(iter(sentences_of(span)), "").rstrip(".!?…").strip()
    head, comma, rest = span.partition(", ")
    if comma and head.split() and head.split()[0].lower() in _SCENE_START:
        span = rest
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
    if words[0].lower().strip(",'\"") in _NOT_A_CLAUSE_START or _FILLER_RE.search(" ".join(words)):
        return None
    phrase = second_person(" ".join(words).rstrip(","))
    return phrase[:1].lower() + phrase[1:]
