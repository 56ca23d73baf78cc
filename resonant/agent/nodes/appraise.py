"""appraise: fuse the detections into the user's affect, then move the agent's own VAD.

The user's emotion is the most confident non-neutral emotion detection
(else neutral); their VAD the confidence-
weighted mean of VAD detections (or the emotion's prototype when no VAD skill ran). The
agent's VAD follows the persona's transition model from where it was last turn.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from resonant.affect import VAD, prototype_mixture
from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState, CauseReading, EmotionReading, SafetyReading
from resonant.persona.transition import next_agent_vad

MIN_EMOTION_SCORE = 0.3
NEUTRAL_EMOTION: EmotionReading = {"label": "neutral", "score": 0.0, "scores": {}}


def _emotion(detections: list[dict[str, Any]]) -> EmotionReading:
    candidates = [d for d in detections if d["kind"] == "emotion" and d["label"]]
    if not candidates:
        return NEUTRAL_EMOTION
    # A confident emotion from any detector beats another detector's "neutral": missing a
    # feeling the user voiced costs an empathetic agent more than over-reading one.
    felt = [d for d in candidates if d["label"] != "neutral" and d["score"] >= MIN_EMOTION_SCORE]
    best = max(felt or candidates, key=lambda d: d["score"])
    return {"label": best["label"], "score": best["score"], "scores": best["scores"]}


def _user_vad(detections: list[dict[str, Any]], emotion: EmotionReading) -> VAD:
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


def _cause(
    detections: list[dict[str, Any]], state: AgentState, emotion: EmotionReading
) -> CauseReading | None:
    causes = [d for d in detections if d["kind"] == "cause" and d["span"]]
    if not causes or emotion["label"] == "neutral":
        return None
    span = max(causes, key=lambda d: d["score"])["span"]
    offset = span["turn_offset"]
    if offset == 0:
        role, turn_text = "user", state["text"]
    else:
        source = state.get("history", [])[offset]
        role, turn_text = source["role"], source["content"]
    return {
        "span": span["text"],
        "turn_offset": offset,
        "role": role,
        "turn_text": turn_text,
        "start": span["start"],
        "end": span["end"],
    }


def fuse_safety(detections: list[dict[str, Any]]) -> SafetyReading:
    """The first flagging safety detection wins; the evals score this same fusion."""
    for d in detections:
        if d["kind"] == "safety" and d["flagged"]:
            return {"flagged": True, "category": d["category"], "cue": d["label"]}
    return {"flagged": False, "category": None, "cue": None}


def appraise(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    detections = state.get("detections", [])
    persona = runtime.context.persona
    emotion = _emotion(detections)
    user_vad = _user_vad(detections, emotion)
    previous = VAD.from_dict(state["agent_vad"]) if state.get("agent_vad") else persona.baseline_vad
    agent_vad = next_agent_vad(previous, user_vad, persona, emotion["label"], emotion["score"])
    return {
        "user_emotion": emotion,
        "cause": _cause(detections, state, emotion),
        "safety": fuse_safety(detections),
        "user_vad": user_vad.as_dict(),
        "agent_vad": agent_vad.as_dict(),
        "user_vad_trace": [user_vad.as_dict()],
        "agent_vad_trace": [agent_vad.as_dict()],
    }
