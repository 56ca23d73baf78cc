"""Ekman-emotion detection from the NRC emotion lexicon, weighted by VADER intensity.

A transparent baseline that needs no training: each emotion word votes for its NRC
categories, VADER's compound score says how strongly the text leans positive or negative,
and a neutral prior keeps flat small talk neutral. The trained detector replaces it
behind the same `Skill` contract.
"""

from __future__ import annotations

from collections import defaultdict

from resonant.affect import EKMAN_LABELS
from resonant.skills.base import Detection, SkillInput
from resonant.text.lexicon import affect_categories, compound_sentiment
from resonant.text.tokens import tokens

# NRC's Plutchik categories onto Ekman's: trust and anticipation are mild joy evidence.
_NRC_TO_EKMAN: dict[str, tuple[str, float]] = {
    "anger": ("anger", 1.0),
    "disgust": ("disgust", 1.0),
    "fear": ("fear", 1.0),
    "joy": ("joy", 1.0),
    "sadness": ("sadness", 1.0),
    "surprise": ("surprise", 1.0),
    "trust": ("joy", 0.3),
    "anticipation": ("joy", 0.2),
}
_NEGATIVE = frozenset({"anger", "disgust", "fear", "sadness"})
_NEUTRAL_PRIOR = 0.6


class LexiconEmotionSkill:
    """Scores the seven Ekman labels (incl. neutral) for a turn from word-level evidence."""

    name = "lexicon-emotion"
    kind = "emotion"

    def detect(self, turn: SkillInput) -> Detection:
        votes: defaultdict[str, float] = defaultdict(float)
        for _, categories in affect_categories(tokens(turn.text)):
            for category in categories:
                if category in _NRC_TO_EKMAN:
                    label, weight = _NRC_TO_EKMAN[category]
                    votes[label] += weight
        compound = compound_sentiment(turn.text)
        # VADER's polarity confirms or discounts the categorical votes: a strongly negative
        # text boosts the negative emotions it contains, and lends a little to sadness when
        # no emotion word is present at all ("I failed again").
        for label in list(votes):
            agrees = (label in _NEGATIVE) == (compound < 0)
            votes[label] *= 1.0 + (abs(compound) if agrees else -0.5 * abs(compound))
        if compound <= -0.3 and not any(votes[label] for label in _NEGATIVE):
            votes["sadness"] += abs(compound)
        if compound >= 0.3 and not votes["joy"]:
            votes["joy"] += compound
        votes["neutral"] = _NEUTRAL_PRIOR
        total = sum(max(v, 0.0) for v in votes.values())
        scores = {label: max(votes[label], 0.0) / total for label in EKMAN_LABELS}
        label = max(scores, key=scores.__getitem__)
        return Detection(
            skill=self.name, kind="emotion", label=label, score=scores[label], scores=scores
        )
