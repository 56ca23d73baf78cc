"""recall: fetch the user's most relevant long-term memories for this turn."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState


def recall(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    context = runtime.context
    found = context.store.recall(state["user_id"], state["text"], k=context.recall_k)
    return {"memories": [memory.to_dict() for memory in found]}
