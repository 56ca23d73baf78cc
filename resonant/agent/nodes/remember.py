"""remember: write the finished exchange and, when it says something, a new memory.

The analysis, the reply and the memory are written in one transaction against the user
turn that `perceive` already stored, so a turn is never half-recorded.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from resonant.affect import VAD
from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState
from resonant.memory.retrieval import salience_of
from resonant.memory.store import NewMemory
from resonant.text.tokens import tokens

MIN_MEMORY_WORDS = 3


def remember(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    user_vad = VAD.from_dict(state["user_vad"])
    emotion = state["user_emotion"]
    text = state["text"]
    memory = None
    if len(tokens(text)) >= MIN_MEMORY_WORDS:
        # What the user was answering is searched with their words ("yes, last Tuesday"
        # alone says nothing of what happened last Tuesday).
        answered = next(
            (m["content"] for m in reversed(state.get("history", [])) if m["role"] == "assistant"),
            None,
        )
        memory = NewMemory(
            text=text,
            emotion=emotion["label"],
            vad=user_vad,
            salience=salience_of(user_vad, emotion["score"], state["safety"]["flagged"], text),
            context=answered,
        )
    runtime.context.store.complete_turn(
        state["user_id"],
        state["turn_id"],
        detections=state.get("detections", []),
        user_vad=user_vad,
        reply=state["reply"],
        agent_vad=VAD.from_dict(state["agent_vad"]),
        degraded=state.get("degraded", False),
        memory=memory,
    )
    return {
        "history": [
            {"role": "user", "content": text},
            {"role": "assistant", "content": state["reply"]},
        ]
    }
