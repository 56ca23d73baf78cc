"""respond: ask the LLM for the reply, streaming its words to whoever listens.

If the backend is down, the user still gets an honest, kind reply saying the agent cannot
think right now (and the turn is stored either way). In a crisis the words are not
streamed: the `safeguard` node decides what is said.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from resonant.affect import VAD
from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState
from resonant.errors import LLMUnavailableError
from resonant.llm.base import TokenUsage
from resonant.llm.budget import fit_messages, token_counter, usage_of
from resonant.llm.guidance import ReplyPlan, guided_reply, plan_reply
from resonant.llm.prompts import PromptInputs, build_messages

log = logging.getLogger(__name__)

UNAVAILABLE_REPLY = (
    "I'm sorry, I can't think clearly right now; my language model isn't responding. "
    "I've kept what you said, and I'm still here."
)
# The model was not asked (a guided crisis reply, or a guided moment that takes nothing
# from the model, is written from vetted texts alone).
NO_USAGE = TokenUsage(0, 0, "not asked")
EMPTY_REPLY = "I'm here, and I'm listening. Tell me more about how you're feeling."


def _prompt_inputs(state: AgentState, context: AgentContext, prefix: str | None) -> PromptInputs:
    on = context.conditioning
    emotion = state["user_emotion"]
    cause = state.get("cause")
    return PromptInputs(
        persona=context.persona if on.persona else None,
        agent_vad=VAD.from_dict(state["agent_vad"]),
        user_text=state["text"],
        emotion=emotion["label"] if on.emotion else None,
        emotion_confidence=emotion["score"],
        cause=cause["span"] if cause and on.cause else None,
        memories=[m["text"] for m in state.get("memories", [])] if on.memory else [],
        history=state.get("history", []),
        crisis_category=state["safety"]["category"] if state["safety"]["flagged"] else None,
        guided_prefix=prefix,
        instructions=context.instructions,
    )


def _guided(context: AgentContext) -> bool:
    on = context.conditioning
    wanted = on.guided if on.guided is not None else getattr(context.llm, "prefers_guidance", False)
    return bool(wanted) and not on.bare


def _reply_plan(state: AgentState, context: AgentContext) -> ReplyPlan:
    """The detectors' part of a guided reply."""
    on = context.conditioning
    cause = state.get("cause")
    return plan_reply(
        state["user_emotion"]["label"] if on.emotion else None,
        cause["span"] if cause and on.cause and cause["role"] == "user" else None,
        state.get("memories", []) if on.memory else [],
        # VAD is part of the affect signal: it gates the emotion's opening.
        valence=state["user_vad"]["v"] if on.emotion else None,
        user_text=state["text"],
        reflect=on.cause,
        phrases=context.persona.phrases if on.persona else None,
    )


def respond(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    context = runtime.context
    crisis = state["safety"]["flagged"]
    guided = _guided(context)
    if crisis and guided:
        # A small model's draft is too unreliable to sit inside a crisis reply: `safeguard`
        # writes the whole reply from its vetted texts, without asking the model at all.
        return {"reply": "", "degraded": False, "usage": NO_USAGE.to_dict()}
    plan = _reply_plan(state, context) if guided else None
    llm = context.llm
    messages = build_messages(_prompt_inputs(state, context, plan.prefix if plan else None))
    window = getattr(llm, "context_window", None)
    if window:
        count, _ = token_counter(llm)
        messages = fit_messages(messages, count, window - context.max_reply_tokens)
    write = get_stream_writer()
    chunks: list[str] = []
    written: list[str] = []  # the model's own words (a guided reply adds vetted ones)
    reported: list[TokenUsage] = []
    asked: list[bool] = []  # whether the model was asked at all (a guided reply may not)
    options: dict[str, Any] = {"usage": reported} if getattr(llm, "reports_usage", False) else {}
    options.update(context.sampling)  # checked against the backend when the turn began

    def model_text() -> Iterator[str]:
        asked.append(True)
        for piece in llm.stream(
            messages,
            max_tokens=context.max_reply_tokens,
            temperature=context.temperature,
            **options,
        ):
            written.append(piece)
            yield piece

    pieces = guided_reply(plan, model_text()) if plan else model_text()
    try:
        for chunk in pieces:
            chunks.append(chunk)
            if not crisis:
                write({"token": chunk})
    except LLMUnavailableError as exc:
        log.warning("LLM unavailable, replying in degraded mode: %s", exc)
        # Whatever was streamed before the failure stays; the apology follows it.
        reply = f"{''.join(chunks).strip()}\n\n{UNAVAILABLE_REPLY}".strip()
        if not crisis:
            write({"token": ("\n\n" if chunks else "") + UNAVAILABLE_REPLY})
        usage = usage_of(llm, messages, "".join(written), reported) if asked else NO_USAGE
        return {"reply": reply, "degraded": True, "usage": usage.to_dict()}
    reply = "".join(chunks).strip()
    if not reply:
        reply = EMPTY_REPLY
        if not crisis:
            write({"token": reply})
    usage = usage_of(llm, messages, "".join(written), reported) if asked else NO_USAGE
    return {"reply": reply, "degraded": False, "usage": usage.to_dict()}
