"""The Gradio chat demo: talk to the agent in a browser, with the affect behind each reply.

A plain chat for now: the reply streams in, and a line under it says what the agent
perceived (the user's emotion, its cause) and how its own mood moved.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from resonant.agent.agent import Agent
from resonant.agent.result import ReplyChunk, TurnResult
from resonant.errors import ResonantError


def affect_caption(result: TurnResult) -> str:
    emotion = result.user_emotion
    parts = [f"you seem to feel **{emotion['label']}** ({emotion['score']:.0%})"]
    if result.cause:
        parts.append(f"because *{result.cause['span']}*")
    vad = result.agent_vad
    parts.append(f"agent mood v={vad.v:+.2f} a={vad.a:+.2f} d={vad.d:+.2f}")
    if result.safety["flagged"]:
        parts.append("safety route taken")
    return " · ".join(parts)


def build_demo(agent: Agent, *, llm_label: str) -> Any:
    """A Gradio app around `agent`; `llm_label` says in the header which LLM answers."""
    try:
        import gradio as gr
    except ImportError as exc:
        raise ResonantError('the demo needs: pip install "resonant[ui]"') from exc

    def chat(message: str, _history: list[Any], user_id: str) -> Iterator[str]:
        reply = ""
        try:
            for event in agent.stream(user_id.strip() or "guest", message):
                if isinstance(event, ReplyChunk):
                    reply += event.text
                    yield reply
                else:
                    yield f"{event.reply}\n\n<sub>{affect_caption(event)}</sub>"
        except ResonantError as exc:
            yield f"⚠️ {exc}"

    return gr.ChatInterface(
        chat,
        additional_inputs=[gr.Textbox(value="guest", label="User id (memory follows it)")],
        title=f"resonant · {agent.persona.display_name}",
        description=f"{agent.persona.description} — LLM: `{llm_label}`",
        analytics_enabled=False,
    )


def launch(agent: Agent, *, llm_label: str, host: str, port: int) -> None:
    # The demo must work offline: no telemetry calls home.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    build_demo(agent, llm_label=llm_label).launch(server_name=host, server_port=port)
