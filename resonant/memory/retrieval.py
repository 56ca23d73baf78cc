"""How memories are ranked: similarity to the turn, recency, and emotional salience.

    score = w_sim * cosine + w_rec * 0.5 ** (age_days / half_life_days) + w_sal * salience

Salience (on [0, 1]) is fixed when a memory is written: emotionally intense, self-
disclosing and safety-relevant turns are remembered more strongly, as episodic memory is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from resonant.affect import VAD


@dataclass(frozen=True, slots=True)
class RecallWeights:
    similarity: float = 0.6
    recency: float = 0.15
    salience: float = 0.25
    half_life_days: float = 30.0
    min_similarity: float = 0.2


def rank(
    query: np.ndarray,
    embeddings: np.ndarray,
    saliences: np.ndarray,
    ages_days: np.ndarray,
    weights: RecallWeights,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (scores, similarities, recencies); rows under min_similarity score -inf."""
    similarities = embeddings @ query
    recencies = np.power(0.5, ages_days / weights.half_life_days)
    scores = (
        weights.similarity * similarities
        + weights.recency * recencies
        + weights.salience * saliences
    )
    scores = np.where(similarities >= weights.min_similarity, scores, -np.inf)
    return scores, similarities, recencies


def salience_of(vad: VAD, emotion_confidence: float, flagged: bool, text: str) -> float:
    """How strongly a user turn should be remembered, on [0, 1]."""
    intensity = max(abs(vad.v), max(vad.a, 0.0))
    disclosure = 0.15 if any(w in f" {text.lower()} " for w in (" i ", " my ", " me ")) else 0.0
    value = 0.5 * intensity + 0.2 * emotion_confidence + disclosure + (0.3 if flagged else 0.0)
    return float(min(1.0, value))


@dataclass(frozen=True, slots=True)
class RecalledMemory:
    """A memory chosen for this turn, with the reasons it was chosen."""

    id: int
    text: str
    emotion: str
    created_at: datetime
    score: float
    similarity: float
    recency: float
    salience: float

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "text": self.text,
            "emotion": self.emotion,
            "created_at": self.created_at.isoformat(),
            "score": round(self.score, 4),
            "similarity": round(self.similarity, 4),
            "recency": round(self.recency, 4),
            "salience": round(self.salience, 4),
        }
