"""safeguard: make sure a crisis disclosure gets a careful, resource-giving reply.

The reply always opens with an acknowledgement written for the crisis category and
always ends with crisis resources; the LLM's own words are kept between them only when
the model answered and its draft passes the unsafe-reply screen (no harm
encouragement, method talk or dismissal). Wording lives in
`resonant/llm/prompts/crisis_reply.yaml`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState
from resonant.skills.safety import is_unsafe_reply

_MAX_LLM_CHARS = 500


@cache
def crisis_texts() -> dict[str, str]:
    raw = resources.files("resonant.llm").joinpath("prompts", "crisis_reply.yaml")
    return dict(yaml.safe_load(raw.read_text(encoding="utf-8")))


def _usable(draft: str, degraded: bool) -> bool:
    if degraded or not draft or len(draft) > _MAX_LLM_CHARS:
        return False
    return not is_unsafe_reply(draft)


def safe_reply(category: str, draft: str, degraded: bool) -> str:
    texts = crisis_texts()
    parts = [texts.get(category, texts["suicide"])]
    if _usable(draft, degraded):
        parts.append(draft)
    parts.append(texts["resources"])
    return "\n\n".join(parts)


def safeguard(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    category = state["safety"]["category"] or "suicide"
    reply = safe_reply(category, state.get("reply", ""), state.get("degraded", False))
    get_stream_writer()({"token": reply})
    return {"reply": reply}


def route_after_respond(state: AgentState) -> str:
    """The conditional edge: crisis turns go through safeguard before being remembered."""
    return "safeguard" if state["safety"]["flagged"] else "remember"
