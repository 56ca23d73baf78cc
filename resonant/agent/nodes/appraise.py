"""appraise: fuse the detections into the user's affect, then move the agent's own VAD.

The user's emotion is the sum of the emotion detectors' Ekman distributions (see
`fuse_emotion`); their VAD the confidence-
weighted mean of VAD detections (or the emotion's prototype when no VAD skill ran). The
agent's VAD follows the persona's transition model from where it was last turn.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from resonant.affect import VAD, ekman_of, prototype_mixture
from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState, CauseReading, EmotionReading, SafetyReading
from resonant.persona.transition import next_agent_vad

NEUTRAL_MARGIN = 0.5  # a feeling wins unless neutral is more than twice as strong
ABSTAIN_WEIGHT = 0.5
NEUTRAL_EMOTION: EmotionReading = {"label": "neutral", "score": 0.0, "scores": {}}


def fuse_emotion(detections: list[dict[str, Any]]) -> EmotionReading:
    """Sum the emotion detectors' distributions on the Ekman labels and take the strongest
    feeling, unless neutral outweighs it twice over.

    Summing lets detectors that half-agree outvote one confident outlier; preferring a
    feeling over neutral is deliberate: missing a feeling the user voiced costs an
    empathetic agent more than over-reading one. On RECCON valid (conversational turns, not
    tuned on) this reads the emotion of non-neutral turns right 68.5% of the time, against
    63% for taking the single most confident detector; the price is more neutral turns
    read as feelings (all turns: 45% against 50%). See evals/REPORT.md.
    """
    totals: dict[str, float] = {}
    for d in detections:
        if d["kind"] != "emotion" or not d["scores"]:
            continue
        mass = sum(d["scores"].values()) or 1.0
        # A detector that found no feeling at all (a lexicon with no emotion words) has
        # seen no evidence of neutrality either: it votes at half weight.
        felt_any = any(
            score > 0 and ekman_of(label) != "neutral" for label, score in d["scores"].items()
        )
        weight = 1.0 if felt_any else ABSTAIN_WEIGHT
        for label, score in d["scores"].items():
            ekman = ekman_of(label)
            totals[ekman] = totals.get(ekman, 0.0) + weight * score / mass
    if not totals:
        return NEUTRAL_EMOTION
    share = {label: value / sum(totals.values()) for label, value in totals.items()}
    felt = {label: value for label, value in share.items() if label != "neutral"}
    best = max(felt, key=lambda label: felt[label]) if felt else "neutral"
    if best != "neutral" and felt[best] < NEUTRAL_MARGIN * share.get("neutral", 0.0):
        best = "neutral"
    ranked = dict(sorted(share.items(), key=lambda item: -item[1]))
    return {"label": best, "score": share[best], "scores": ranked}


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
    emotion = fuse_emotion(detections)
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
