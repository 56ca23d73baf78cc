"""Affect values shared by every part of resonant: the VAD point and emotion prototypes.

Valence, arousal and dominance live on [-1, 1] (0 = neutral), the PAD convention of
Mehrabian & Russell. Datasets on other scales (EmoBank's 1-5) are mapped at their loaders,
so every detector, the transition model and the prompt speak one scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

VAD_MIN = -1.0
VAD_MAX = 1.0


class VADDict(TypedDict):
    """A VAD point as plain data, the form kept in graph state and JSON output."""

    v: float
    a: float
    d: float


def _clamp(value: float) -> float:
    return max(VAD_MIN, min(VAD_MAX, value))


@dataclass(frozen=True, slots=True)
class VAD:
    """A point in valence-arousal-dominance space, each axis on [-1, 1]."""

    v: float = 0.0
    a: float = 0.0
    d: float = 0.0

    def clamped(self) -> VAD:
        return VAD(_clamp(self.v), _clamp(self.a), _clamp(self.d))

    def __add__(self, other: VAD) -> VAD:
        return VAD(self.v + other.v, self.a + other.a, self.d + other.d)

    def __sub__(self, other: VAD) -> VAD:
        return VAD(self.v - other.v, self.a - other.a, self.d - other.d)

    def scaled(self, factor: float) -> VAD:
        return VAD(self.v * factor, self.a * factor, self.d * factor)

    def times(self, other: VAD) -> VAD:
        """Element-wise product: per-axis gains."""
        return VAD(self.v * other.v, self.a * other.a, self.d * other.d)

    def as_dict(self) -> VADDict:
        return {"v": round(self.v, 4), "a": round(self.a, 4), "d": round(self.d, 4)}

    @classmethod
    def from_dict(cls, data: VADDict) -> VAD:
        return cls(float(data["v"]), float(data["a"]), float(data["d"]))

    @classmethod
    def from_five_point(cls, v: float, a: float, d: float) -> VAD:
        """Map EmoBank-style 1-5 ratings (3 = neutral) onto [-1, 1]."""
        return cls((v - 3.0) / 2.0, (a - 3.0) / 2.0, (d - 3.0) / 2.0)


NEUTRAL = VAD()

# Ekman's six plus neutral: the label set of the built-in emotion detector and the
# GoEmotions "ekman" view. Prototype coordinates follow Russell & Mehrabian (1977)
# PAD ratings of the emotion terms, which is what lets a label stand in for a VAD point.
EMOTION_PROTOTYPES: dict[str, VAD] = {
    "anger": VAD(-0.51, 0.59, 0.25),
    "disgust": VAD(-0.60, 0.35, 0.11),
    "fear": VAD(-0.64, 0.60, -0.43),
    "joy": VAD(0.76, 0.48, 0.35),
    "neutral": NEUTRAL,
    "sadness": VAD(-0.63, -0.27, -0.33),
    "surprise": VAD(0.40, 0.67, -0.13),
}
EKMAN_LABELS: tuple[str, ...] = tuple(EMOTION_PROTOTYPES)


# GoEmotions' 28 labels grouped into Ekman's, as published with the dataset
# (google-research/goemotions data/ekman_mapping.json).
GOEMOTIONS_TO_EKMAN: dict[str, str] = {
    **dict.fromkeys(("anger", "annoyance", "disapproval"), "anger"),
    "disgust": "disgust",
    **dict.fromkeys(("fear", "nervousness"), "fear"),
    **dict.fromkeys(
        (
            "joy",
            "amusement",
            "approval",
            "excitement",
            "gratitude",
            "love",
            "optimism",
            "relief",
            "pride",
            "admiration",
            "desire",
            "caring",
        ),
        "joy",
    ),
    **dict.fromkeys(("sadness", "disappointment", "embarrassment", "grief", "remorse"), "sadness"),
    **dict.fromkeys(("surprise", "realization", "confusion", "curiosity"), "surprise"),
    "neutral": "neutral",
}


def ekman_of(label: str) -> str:
    """The Ekman group of any emotion label we know; unknown labels count as neutral."""
    if label in EMOTION_PROTOTYPES:
        return label
    return GOEMOTIONS_TO_EKMAN.get(label, "neutral")


def prototype_mixture(scores: dict[str, float]) -> VAD:
    """The score-weighted mean of emotion prototypes (fine labels via their Ekman group)."""
    total = sum(scores.values())
    if total <= 0:
        return NEUTRAL
    v = a = d = 0.0
    for label, weight in scores.items():
        proto = EMOTION_PROTOTYPES[ekman_of(label)]
        v += proto.v * weight
        a += proto.a * weight
        d += proto.d * weight
    return VAD(v / total, a / total, d / total)
