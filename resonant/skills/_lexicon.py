"""Word lookups shared by the lexicon skills: tokenising, NRC EmoLex and VADER.

Both lexicons ship inside PyPI packages (`nrclex`, `vaderSentiment`), which is what lets
the default detectors run offline. NRC lists lemmas, so lookups try a few inflection
strips ("scared" -> "scare") instead of needing an NLTK lemmatiser, which is not offline.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
NEGATORS = frozenset(
    {
        "not",
        "no",
        "never",
        "n't",
        "dont",
        "don't",
        "didn't",
        "isn't",
        "wasn't",
        "aren't",
        "can't",
        "cannot",
        "won't",
        "nothing",
        "hardly",
        "without",
    }
)
_SUFFIXES = ("ing", "ed", "es", "s", "d", "ly")

# Words that *name* a feeling are the strongest evidence there is, and NRC files many of
# them under several categories ("scared" is missing, "sad" is not only sadness), so
# these direct names take precedence over the lexicon's categories.
EMOTION_TERMS: dict[str, str] = {
    **dict.fromkeys(
        [
            "sad",
            "unhappy",
            "depressed",
            "miserable",
            "heartbroken",
            "lonely",
            "hopeless",
            "devastated",
            "grief",
            "grieving",
            "crying",
            "cried",
            "tears",
            "empty",
            "gutted",
            "down",
            "alone",
            "sorrow",
            "mourning",
        ],
        "sadness",
    ),
    **dict.fromkeys(
        [
            "scared",
            "afraid",
            "anxious",
            "nervous",
            "worried",
            "terrified",
            "panic",
            "panicking",
            "frightened",
            "stressed",
            "overwhelmed",
            "dread",
            "dreading",
            "fear",
            "fearful",
            "uneasy",
        ],
        "fear",
    ),
    **dict.fromkeys(
        [
            "angry",
            "furious",
            "mad",
            "annoyed",
            "pissed",
            "frustrated",
            "irritated",
            "livid",
            "outraged",
            "resent",
            "hate",
            "rage",
            "enraged",
        ],
        "anger",
    ),
    **dict.fromkeys(
        [
            "happy",
            "glad",
            "excited",
            "thrilled",
            "delighted",
            "proud",
            "grateful",
            "thankful",
            "relieved",
            "joy",
            "joyful",
            "wonderful",
            "amazing",
            "awesome",
            "great",
            "ecstatic",
            "overjoyed",
        ],
        "joy",
    ),
    **dict.fromkeys(
        ["disgusted", "disgusting", "gross", "revolting", "revolted", "sickening"], "disgust"
    ),
    **dict.fromkeys(
        ["surprised", "shocked", "amazed", "astonished", "stunned", "unexpected", "unbelievable"],
        "surprise",
    ),
}

# Life events people most often name as the reason for a feeling (RECCON's causes are
# mostly such events); they mark a clause as a cause even when its words are neutral.
EVENT_TERMS = frozenset(
    [
        "died",
        "dead",
        "death",
        "passed",
        "funeral",
        "lost",
        "lose",
        "losing",
        "fired",
        "laid",
        "quit",
        "broke",
        "divorce",
        "divorced",
        "breakup",
        "cheated",
        "exam",
        "exams",
        "test",
        "failed",
        "fail",
        "failing",
        "sick",
        "illness",
        "cancer",
        "diagnosed",
        "hospital",
        "accident",
        "surgery",
        "promoted",
        "promotion",
        "hired",
        "job",
        "married",
        "wedding",
        "engaged",
        "pregnant",
        "baby",
        "born",
        "won",
        "win",
        "graduated",
        "graduation",
        "moved",
        "moving",
        "deadline",
        "rejected",
        "accepted",
        "dumped",
        "argument",
        "fight",
        "fought",
        "yelled",
        "ignored",
        "bullied",
        "evicted",
        "debt",
        "money",
        "birthday",
        "vacation",
    ]
)


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower())


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
