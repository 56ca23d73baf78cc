"""The Gradio demo: chat with the agent and watch what it perceives and feels.

Left, the chat (streaming replies, persona picker, user id, new conversation); right, the
affect panel, updated every turn: the user's emotion distribution, the cause highlighted
in the message it came from, the user's and agent's VAD trajectories, the memories
recalled with their scores, and a banner when the safety route was taken. A second tab
lets the user list, search, export and delete their memories.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from resonant.agent.agent import Agent
from resonant.agent.result import ReplyChunk, TurnResult
from resonant.errors import MissingExtraError, ResonantError
from resonant.persona.loader import builtin_persona_names
from resonant.ui.panels import MEMORY_COLUMNS, affect_panel

if TYPE_CHECKING:
    from resonant.voice.pipeline import VoiceAgent

STORED_COLUMNS = ["id", "memory", "emotion", "salience", "created"]


def _new_conversation() -> str:
    return f"web-{uuid.uuid4().hex[:12]}"


def build_demo(agent: Agent, *, llm_label: str, voice: VoiceAgent | None = None) -> Any:
    """A Gradio Blocks app around `agent`; `llm_label` names the LLM in the header.

    With a `voice` agent (same `agent` inside) the demo gains the Call tab."""
    try:
        import gradio as gr
    except ImportError as exc:
        raise MissingExtraError("the demo", "ui") from exc

    def chat(
        message: str, history: list[dict[str, str]], user_id: str, persona: str, conversation: str
    ) -> Iterator[tuple[Any, ...]]:
        keep = (gr.skip(),) * 5
        if not message.strip():
            yield history, message, "Please type a message first.", *keep
            return
        history = [
            *history,
            {"role": "user", "content": message},
            {"role": "assistant", "content": ""},
        ]
        # The textbox is cleared once, when the message is taken; later updates leave it
        # alone, so whatever the user types while the reply streams is kept.
        yield history, "", "", *keep
        try:
            speaker = agent.with_persona(persona)
            for event in speaker.stream(
                user_id.strip() or "guest", message, conversation=conversation
            ):
                if isinstance(event, ReplyChunk):
                    history[-1]["content"] += event.text
                    yield history, gr.skip(), "", *keep
                elif isinstance(event, TurnResult):
                    history[-1]["content"] = event.reply
                    note = (
                        "The language model is not answering; your message was saved."
                        if event.degraded
                        else ""
                    )
                    trajectory = speaker.affect_trajectory(event.user_id, conversation)
                    yield history, gr.skip(), note, *affect_panel(event, trajectory)
        except ResonantError as exc:
            history[-1]["content"] = f"⚠️ {exc}"
            yield history, message, f"⚠️ {exc}", *keep

    def stored(user_id: str, query: str = "") -> list[list[Any]]:
        user = user_id.strip() or "guest"
        if query.strip():
            found = {m.id for m in agent.store.recall(user, query, k=20)}
            rows = [m for m in agent.memories(user) if m["id"] in found]
        else:
            rows = agent.memories(user)
        return [
            [m["id"], m["text"], m["emotion"], round(m["salience"], 3), m["created_at"]]
            for m in rows
        ]

    def delete(user_id: str, memory_id: float | None) -> tuple[list[list[Any]], str]:
        if memory_id is None:
            return stored(user_id), "Give the id of the memory to delete."
        deleted = agent.delete_memory(user_id.strip() or "guest", int(memory_id))
        return stored(user_id), "Deleted." if deleted else f"No memory {int(memory_id)} here."

    def export(user_id: str) -> str:
        data = agent.export(user_id.strip() or "guest")
        with tempfile.NamedTemporaryFile(
            "w", suffix=".json", prefix="resonant-export-", delete=False, encoding="utf-8"
        ) as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
        return handle.name

    with gr.Blocks(title="resonant", analytics_enabled=False) as demo:
        gr.Markdown(
            f"# resonant · empathetic agent\nLLM: `{llm_label}` · detectors: "
            + ", ".join(f"`{s.name}`" for s in agent.context.skills),
            elem_id="header",
        )
        conversation = gr.State(_new_conversation)
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                with gr.Row():
                    user_id = gr.Textbox(
                        "guest", label="User id (memory follows it)", elem_id="user-id"
                    )
                    persona = gr.Dropdown(
                        builtin_persona_names(),
                        value=agent.persona.name,
                        label="Persona",
                        elem_id="persona",
                    )
                    new_chat = gr.Button("New conversation", elem_id="new-conversation")
                chatbot = gr.Chatbot(label="Conversation", height=430, elem_id="chat")
                message = gr.Textbox(
                    placeholder="How are you feeling today?", show_label=False, elem_id="message"
                )
                send = gr.Button("Send", variant="primary", elem_id="send")
                status = gr.Markdown(elem_id="status")
            with gr.Column(scale=2, elem_id="affect-panel"):
                banner = gr.Markdown(elem_id="safety-banner")
                emotions = gr.Label(label="Your emotion", num_top_classes=5, elem_id="emotions")
                cause = gr.HighlightedText(
                    label="What caused it", color_map={"cause": "orange"}, elem_id="cause"
                )
                plot = gr.Plot(label="VAD: you (red) and the agent (blue)", elem_id="vad-plot")
                # Wrapped text and a narrow memory column keep the score columns in view.
                recalled = gr.Dataframe(
                    headers=MEMORY_COLUMNS,
                    label="Memories recalled",
                    elem_id="recalled",
                    wrap=True,
                    column_widths=["40%", "15%", "12%", "11%", "11%", "11%"],
                )
        if voice is not None:
            from resonant.ui.call_tab import build_call_tab

            build_call_tab(gr, voice, user_id, persona, conversation)
        with gr.Tab("Memory"):
            with gr.Row():
                query = gr.Textbox(label="Search your memories", elem_id="memory-search")
                search = gr.Button("Search / refresh", elem_id="memory-refresh")
            table = gr.Dataframe(
                headers=STORED_COLUMNS, label="Your memories", elem_id="memory-table"
            )
            with gr.Row():
                memory_id = gr.Number(label="Memory id", precision=0, elem_id="memory-id")
                remove = gr.Button("Delete memory", variant="stop", elem_id="memory-delete")
                download = gr.Button("Export my data (JSON)", elem_id="memory-export")
            memory_status = gr.Markdown()
            exported = gr.File(label="Export", elem_id="memory-file")

        outputs = [chatbot, message, status, banner, emotions, cause, plot, recalled]
        inputs = [message, chatbot, user_id, persona, conversation]
        send.click(chat, inputs, outputs)
        message.submit(chat, inputs, outputs)
        new_chat.click(
            lambda: ([], _new_conversation(), "", None, None, None, None),
            None,
            [chatbot, conversation, banner, emotions, cause, plot, recalled],
        )
        search.click(stored, [user_id, query], table)
        remove.click(delete, [user_id, memory_id], [table, memory_status])
        download.click(export, user_id, exported)
    return demo


def launch(
    agent: Agent, *, llm_label: str, host: str, port: int, voice: VoiceAgent | None = None
) -> None:
    # The demo must work offline: no telemetry calls home.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    # Loaded now, not in the middle of the first call: a model loading while the user
    # speaks takes the CPU from the microphone stream, and the first reply waits for it.
    print("resonant: loading the models…", file=sys.stderr, flush=True)
    (voice or agent).warm_up()
    demo = build_demo(agent, llm_label=llm_label, voice=voice)
    demo.launch(server_name=host, server_port=port)
