"""detect: run every enabled skill on the turn, with the conversation as context.

A skill that raises is logged and skipped (`run_skills`): one faulty detector must not
cost the user their reply.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState
from resonant.skills.base import SkillInput, Utterance
from resonant.skills.registry import run_skills


def detect(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    turn = SkillInput(
        audio=runtime.context.audio,
        sample_rate=runtime.context.sample_rate,
        text=state["text"],
        history=tuple(
            Utterance(m["role"], m["content"])
            for m in state.get("history", [])
            if m["role"] in ("user", "assistant")
        ),
    )
    return {"detections": run_skills(runtime.context.skills, turn)}
