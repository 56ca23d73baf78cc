"""How memories are ranked: by their words and their meaning, then salience and recency.

Two searches each propose the user's best memories: lexical (the database's full-text
index, `resonant.memory.search`: BM25 on SQLite) and dense (cosine similarity of sentence
embeddings). Every candidate gets both scores, fused linearly,

    fused = lexical / best lexical score of this query + w_dense * cosine,

and the fused score is then raised a little for emotionally salient and recent memories,

    score = fused * (1 + w_sal * salience + w_rec * 0.5 ** (age_days / half_life_days)),

a bounded bonus (at most w_sal + w_rec, i.e. 15%) so that salience and recency decide
between comparable memories but never bury the one that holds the evidence. A memory
found by neither its words nor a similarity of at least `min_similarity` is not recalled.
The fusion (linear, w_dense = 0.6) was chosen over weighted reciprocal-rank fusion and
BM25 alone on the five LoCoMo conversations in ../shared/datasets (see evals/REPORT.md).

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
    dense: float = 0.6
    context: float = 0.5  # lexical weight of the answered turn's words against the memory's
    salience: float = 0.1
    recency: float = 0.05
    half_life_days: float = 30.0
    min_similarity: float = 0.2
    candidates: int = 100  # taken from each search before fusing


def fuse(
    lexical: dict[int, float], cosine: dict[int, float], weights: RecallWeights
) -> dict[int, float]:
    """Each candidate's lexical score (relative to the query's best) plus its weighted
    cosine similarity; `cosine` must hold every candidate's."""
    best = max(lexical.values(), default=0.0)
    return {
        memory_id: (lexical.get(memory_id, 0.0) / best if best > 0 else 0.0)
        + weights.dense * similarity
        for memory_id, similarity in cosine.items()
    }


def prior(saliences: np.ndarray, ages_days: np.ndarray, weights: RecallWeights) -> np.ndarray:
    """The bounded salience-and-recency factor (>= 1) that multiplies fused scores."""
    recencies = np.power(0.5, np.maximum(ages_days, 0.0) / weights.half_life_days)
    return 1.0 + weights.salience * saliences + weights.recency * recencies


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
    speaker: str | None = None
    source: str | None = None

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
            "speaker": self.speaker,
            "source": self.source,
        }
