"""respond: ask the LLM for the reply, streaming its words to whoever listens.

If the backend is down, the user still gets an honest, kind reply saying the agent cannot
think right now (and the turn is stored either way). In a crisis the words are not
streamed: the `safeguard` node decides what is said.
"""

from __future__ import annotations

import logging
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from resonant.affect import VAD
from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState
from resonant.errors import LLMUnavailableError
from resonant.llm.prompts import PromptInputs, build_messages

log = logging.getLogger(__name__)

UNAVAILABLE_REPLY = (
    "I'm sorry, I can't think clearly right now; my language model isn't responding. "
    "I've kept what you said, and I'm still here."
)
EMPTY_REPLY = "I'm here, and I'm listening. Tell me more about how you're feeling."


def respond(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    context = runtime.context
    emotion = state["user_emotion"]
    cause = state.get("cause")
    crisis = state["safety"]["category"] if state["safety"]["flagged"] else None
    messages = build_messages(
        PromptInputs(
            persona=context.persona,
            agent_vad=VAD.from_dict(state["agent_vad"]),
            user_text=state["text"],
            emotion=emotion["label"],
            emotion_confidence=emotion["score"],
            cause=cause["span"] if cause else None,
            memories=[m["text"] for m in state.get("memories", [])],
            history=state.get("history", []),
            crisis_category=crisis,
        )
    )
    write = get_stream_writer()
    chunks: list[str] = []
    try:
        for chunk in context.llm.stream(
            messages, max_tokens=context.max_reply_tokens, temperature=context.temperature
        ):
            chunks.append(chunk)
            if crisis is None:
                write({"token": chunk})
    except LLMUnavailableError as exc:
        log.warning("LLM unavailable, replying in degraded mode: %s", exc)
        # Whatever was streamed before the failure stays; the apology follows it.
        reply = f"{''.join(chunks).strip()}\n\n{UNAVAILABLE_REPLY}".strip()
        if crisis is None:
            write({"token": ("\n\n" if chunks else "") + UNAVAILABLE_REPLY})
        return {"reply": reply, "degraded": True}
    reply = "".join(chunks).strip()
    if not reply:
        reply = EMPTY_REPLY
        if crisis is None:
            write({"token": reply})
    return {"reply": reply, "degraded": False}
