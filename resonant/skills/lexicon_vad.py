"""Valence-arousal-dominance estimation from lexicons, without training.

Valence comes from VADER's compound score (which handles negation and intensifiers);
arousal and dominance from the PAD prototypes of the NRC emotion categories the words
carry, plus the punctuation and capitals people use when agitated. It is the lexicon
baseline that trained VAD regressors are compared against.
"""

from __future__ import annotations

import re
from collections import Counter

from resonant.affect import VAD, prototype_mixture
from resonant.skills.base import Detection, SkillInput
from resonant.text.lexicon import affect_categories, compound_sentiment
from resonant.text.tokens import tokens

_SHOUTED_RE = re.compile(r"\b[A-Z]{3,}\b")


class LexiconVADSkill:
    """Estimates the user's VAD for one turn on the [-1, 1] scale."""

    name = "lexicon-vad"
    kind = "vad"

    def detect(self, turn: SkillInput) -> Detection:
        words = tokens(turn.text)
        hits = affect_categories(words)
        counts: Counter[str] = Counter(
            category for _, categories in hits for category in categories
        )
        # Sentiment-only categories carry valence but no arousal/dominance signal.
        emotions = {k: float(v) for k, v in counts.items() if k not in {"positive", "negative"}}
        mixture = prototype_mixture(emotions)
        density = min(1.0, len(hits) / max(1.0, len(words) / 4))
        compound = compound_sentiment(turn.text)
        emphasis = min(0.3, 0.1 * turn.text.count("!") + 0.1 * len(_SHOUTED_RE.findall(turn.text)))
        vad = VAD(
            v=0.8 * compound + 0.2 * mixture.v * density,
            a=mixture.a * density + emphasis,
            d=mixture.d * density,
        ).clamped()
        confidence = min(1.0, 0.3 + 0.5 * density + 0.2 * abs(compound))
        return Detection(skill=self.name, kind="vad", vad=vad, score=confidence)
