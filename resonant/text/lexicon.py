"""Affect lexicons: NRC EmoLex categories and VADER valence.

Both lexicons ship inside PyPI packages (`nrclex`, `vaderSentiment`), which is what lets
the default detectors run offline. NRC lists lemmas, so lookups try a few inflection
strips ("scared" -> "scare") instead of needing an NLTK lemmatiser, which is not offline.
Words that name a feeling outright (`emotion_terms.txt`) take precedence over NRC.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from resonant.text.tokens import NEGATORS
from resonant.text.wordlists import word_list

_SUFFIXES = ("ing", "ed", "es", "s", "d", "ly")
# "word emotion" lines: the strongest evidence there is.
EMOTION_TERMS: dict[str, str] = dict(
    (word, label) for word, label in (line.split() for line in word_list("emotion_terms"))
)
# Life events people name as the reason for a feeling (RECCON's causes are mostly such
# events); they mark a clause as a cause even when its words are neutral.
EVENT_TERMS = frozenset(word_list("event_terms"))


@cache
def nrc_lexicon() -> dict[str, tuple[str, ...]]:
    """NRC EmoLex as word -> affect categories (8 emotions plus positive/negative)."""
    raw = resources.files("nrclex.data").joinpath("nrc_en.json").read_text(encoding="utf-8")
    return {word: tuple(cats) for word, cats in json.loads(raw).items()}


@cache
def _lookup(word: str) -> tuple[str, ...]:
    lexicon = nrc_lexicon()
    if word in lexicon:
        return lexicon[word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            for candidate in (stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else ""):
                if candidate and candidate in lexicon:
                    return lexicon[candidate]
    return ()


def affect_categories(words: list[str]) -> list[tuple[int, tuple[str, ...]]]:
    """(token index, NRC categories) for every lexicon word not under a negator."""
    hits = []
    for i, word in enumerate(words):
        categories = (EMOTION_TERMS[word],) * 2 if word in EMOTION_TERMS else _lookup(word)
        if not categories:
            continue
        window = words[max(0, i - 3) : i]
        if any(w in NEGATORS or w.endswith("n't") for w in window):
            # "not happy" must not count as joy; VADER's compound score handles the
            # valence flip, and we simply drop the categorical evidence.
            continue
        hits.append((i, categories))
    return hits


@cache
def vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound_sentiment(text: str) -> float:
    """VADER's compound valence in [-1, 1] (handles negation, intensifiers, emphasis)."""
    return float(vader().polarity_scores(text)["compound"])
