"""appraise: fuse the detections into the user's affect, then move the agent's own VAD.

The fusion rules live in `resonant.skills.fusion` (shared with `resonant analyze` and the
evals). The agent's VAD follows the persona's transition model from where it was last
turn.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from resonant.affect import VAD
from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState
from resonant.persona.transition import next_agent_vad
from resonant.skills.fusion import fuse_cause, fuse_emotion, fuse_safety, fuse_vad
from resonant.text.language import detect_language


def appraise(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    detections = state.get("detections", [])
    persona = runtime.context.persona
    emotion = fuse_emotion(detections)
    user_vad = fuse_vad(detections, emotion)
    previous = VAD.from_dict(state["agent_vad"]) if state.get("agent_vad") else persona.baseline_vad
    agent_vad = next_agent_vad(previous, user_vad, persona, emotion["label"], emotion["score"])
    # The same messages the skills saw (detect drops any other roles), so offsets agree.
    history = [m for m in state.get("history", []) if m["role"] in ("user", "assistant")]
    return {
        "user_emotion": emotion,
        "cause": fuse_cause(detections, emotion, state["text"], history),
        "safety": fuse_safety(detections),
        "language": detect_language(state["text"]),
        "user_vad": user_vad.as_dict(),
        "agent_vad": agent_vad.as_dict(),
        "user_vad_trace": [user_vad.as_dict()],
        "agent_vad_trace": [agent_vad.as_dict()],
    }
