"""Fusion: the agent's one reading of a turn from whatever its detector skills found.

The graph's `appraise` node, `resonant analyze` and the evals all call these functions,
so what is measured is what users get. Emotion: the average of the detectors' Ekman
distributions, and the likeliest label wins, neutral included (a calm "Okay." is neutral,
not a weak feeling). VAD: the confidence-weighted mean of VAD readings. Safety: any
flagging detector routes the turn to the safe reply. Cause: the most confident cause,
only for a turn that carries a feeling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from resonant.affect import EKMAN_LABELS, VAD, ekman_of, prototype_mixture


# The fused readings, as the graph's state and the turn's result carry them.
class EmotionReading(TypedDict):
    label: str
    score: float
    scores: dict[str, float]


class CauseReading(TypedDict):
    span: str
    turn_offset: int
    role: str
    turn_text: str
    start: int
    end: int


class SafetyReading(TypedDict):
    flagged: bool
    category: str | None
    cue: str | None


NEUTRAL_EMOTION: EmotionReading = {"label": "neutral", "score": 0.0, "scores": {}}


def ekman_distribution(scores: Mapping[str, float]) -> dict[str, float]:
    """Any detector's label scores as a distribution over Ekman's 7.

    Scores of fine labels (GoEmotions' 28, a lexicon's categories) add up within their
    Ekman group; the result is normalised, so a detector that already speaks Ekman's 7
    with probabilities (the affect encoder) passes through unchanged.
    """
    totals = dict.fromkeys(EKMAN_LABELS, 0.0)
    for label, score in scores.items():
        totals[ekman_of(label)] += max(0.0, float(score))
    mass = sum(totals.values())
    if mass <= 0:
        return {}
    return {label: value / mass for label, value in totals.items()}


def crisis_risk(detections: Sequence[Mapping[str, Any]]) -> float:
    """The probability that the turn is a crisis disclosure, from the safety detections.

    A safety detection's `score` is its confidence in its own verdict, so a flagging one
    says `score` and a silent one `1 - score` (keyword rules: 1 or 0)."""
    risks = [
        d["score"] if d["flagged"] else 1.0 - d["score"]
        for d in detections
        if d["kind"] == "safety"
    ]
    return max(risks, default=0.0)


def fuse_emotion(detections: Sequence[Mapping[str, Any]]) -> EmotionReading:
    """The mean of the emotion detectors' Ekman distributions; the likeliest label wins.

    Crisis evidence counts too: joy is weighted by the chance that the turn is *not* a
    crisis disclosure, so "I want to kill myself tonight" can never read as joy, however
    its words look to an emotion head that has seen few such texts.
    """
    distributions = [
        found
        for d in detections
        if d["kind"] == "emotion" and (found := ekman_distribution(d["scores"] or {}))
    ]
    if not distributions:
        return NEUTRAL_EMOTION
    mean = {
        label: sum(dist[label] for dist in distributions) / len(distributions)
        for label in EKMAN_LABELS
    }
    mean["joy"] *= 1.0 - crisis_risk(detections)
    mass = sum(mean.values())
    if mass <= 0:  # all of it was joy, and the turn is surely a crisis: no feeling read
        return NEUTRAL_EMOTION
    mean = {label: value / mass for label, value in mean.items()}
    best = max(mean, key=mean.__getitem__)
    ranked = dict(sorted(mean.items(), key=lambda item: -item[1]))
    return {"label": best, "score": mean[best], "scores": ranked}


def fine_labels(detections: Sequence[Mapping[str, Any]]) -> list[str]:
    """The fine-grained labels (GoEmotions names) the emotion detectors found present."""
    found: dict[str, None] = {}
    for d in detections:
        if d["kind"] == "emotion":
            found.update(dict.fromkeys(d.get("labels") or ()))
    if len(found) > 1:
        found.pop("neutral", None)
    return list(found) or ["neutral"]


def fuse_vad(detections: Sequence[Mapping[str, Any]], emotion: EmotionReading) -> VAD:
    """Confidence-weighted mean of VAD readings (the emotion's prototype if there are none)."""
    readings = [
        (VAD.from_dict(d["vad"]), max(d["score"], 1e-3))
        for d in detections
        if d["kind"] == "vad" and d["vad"]
    ]
    if not readings:
        return prototype_mixture(emotion["scores"]) if emotion["scores"] else VAD()
    total = sum(weight for _, weight in readings)
    return VAD(
        sum(v.v * w for v, w in readings) / total,
        sum(v.a * w for v, w in readings) / total,
        sum(v.d * w for v, w in readings) / total,
    ).clamped()


def fuse_safety(detections: Sequence[Mapping[str, Any]]) -> SafetyReading:
    """The first flagging safety detection wins (skills run in registry order: rules,
    whose category and cue are the most specific, before the encoder)."""
    for d in detections:
        if d["kind"] == "safety" and d["flagged"]:
            return {"flagged": True, "category": d["category"], "cue": d["label"]}
    return {"flagged": False, "category": None, "cue": None}


def fuse_cause(
    detections: Sequence[Mapping[str, Any]],
    emotion: EmotionReading,
    text: str,
    history: Sequence[Mapping[str, Any]],
) -> CauseReading | None:
    """The most confident cause span, placed in its turn; None for a neutral turn.

    `history` holds the earlier messages ({"role", "content"}), oldest first.
    """
    causes = [d for d in detections if d["kind"] == "cause" and d["span"]]
    if not causes or emotion["label"] == "neutral":
        return None
    span = max(causes, key=lambda d: d["score"])["span"]
    offset = span["turn_offset"]
    if offset == 0:
        role, turn_text = "user", text
    else:
        source = history[offset]
        role, turn_text = source["role"], source["content"]
    return {
        "span": span["text"],
        "turn_offset": offset,
        "role": role,
        "turn_text": turn_text,
        "start": span["start"],
        "end": span["end"],
    }
