"""The demo's Call tab: talk to the agent through the browser's microphone.

The microphone streams to the server every half second; a `CallSession` per browser tab
finds the end of each spoken turn, answers it, and the reply's sentences stream back to
an autoplaying audio player. Speaking over the agent (barge-in) drops the rest of its
reply and resets the player. A recorded or uploaded clip can be sent as one turn too,
for browsers without a microphone. The same affect panel as the Chat tab follows along.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from resonant.audio.samples import Audio, as_mono_float
from resonant.errors import ResonantError
from resonant.ui.panels import MEMORY_COLUMNS, affect_panel
from resonant.voice.call import BargeIn, CallSession
from resonant.voice.pipeline import VoiceAgent, VoiceReply

STREAM_EVERY_SECONDS = 0.5


@dataclass
class CallTabState:
    """One browser tab's call, and how many of its replies the page already shows (the
    worker answers between microphone chunks, so "new" is counted here, not per chunk)."""

    session: CallSession
    shown: int = 0


def _end_call(state: CallTabState | None) -> None:
    if state is not None:
        state.session.hang_up()


def _playable(parts: list[Audio]) -> tuple[int, np.ndarray]:
    rate = parts[0].sample_rate
    samples = Audio.concatenate(parts, rate).samples
    return rate, (np.clip(samples, -1, 1) * 32767).astype(np.int16)


def _log_rows(replies: list[VoiceReply]) -> list[dict[str, str]]:
    rows = []
    for reply in replies:
        rows.append({"role": "user", "content": reply.transcript.text or "(nothing heard)"})
        rows.append({"role": "assistant", "content": reply.reply})
    return rows


def build_call_tab(
    gr: Any, voice: VoiceAgent, user_id: Any, persona: Any, conversation: Any
) -> None:
    """Lay out the Call tab inside the current Blocks context."""

    def panel(reply: VoiceReply | None, speaker: Any, conv: str) -> tuple[Any, ...]:
        if reply is None or reply.result is None:
            return (gr.skip(),) * 5
        result = reply.result
        return affect_panel(result, speaker.affect_trajectory(result.user_id, conv))

    def state_for(
        state: CallTabState | None, user: str, persona_name: str, conv: str
    ) -> CallTabState:
        user = user.strip() or "guest"
        if state is not None and state.session.user_id == user:
            return state
        _end_call(state)
        return CallTabState(CallSession(voice.with_persona(persona_name), user, conversation=conv))

    def on_chunk(
        chunk: tuple[int, np.ndarray] | None,
        state: CallTabState | None,
        user: str,
        persona_name: str,
        conv: str,
    ) -> tuple[Any, ...]:
        if chunk is None:
            return (gr.skip(), state, gr.skip(), gr.skip(), *(gr.skip(),) * 5)
        state = state_for(state, user, persona_name, conv)
        session = state.session
        rate, samples = chunk
        try:
            events = session.feed(Audio(as_mono_float(samples), int(rate)))
        except ResonantError as exc:
            return (gr.skip(), state, gr.skip(), f"⚠️ {exc}", *(gr.skip(),) * 5)
        parts = session.take_audio()
        if any(isinstance(e, BargeIn) for e in events):
            out: Any = None  # resets the player: the agent stops talking
            status = "You interrupted; listening."
        elif parts:
            out, status = _playable(parts), "Speaking…"
        else:
            out = gr.skip()
            status = "Listening…" if not session.agent_speaking else "Thinking…"
        new = session.log.replies[state.shown :]
        state.shown += len(new)
        return (
            out,
            state,
            _log_rows(session.log.replies) if new else gr.skip(),
            status,
            *panel(new[-1] if new else None, session.voice.agent, conv),
        )

    def hang_up(state: CallTabState | None) -> tuple[Any, str]:
        _end_call(state)
        return None, "Call ended."

    def one_turn(
        clip: tuple[int, np.ndarray] | None, user: str, persona_name: str, conv: str
    ) -> tuple[Any, ...]:
        if clip is None:
            return (gr.skip(), gr.skip(), "Record or upload a clip first.", *(gr.skip(),) * 5)
        single = voice.with_persona(persona_name)
        rate, samples = clip
        try:
            reply = single.respond(
                user.strip() or "guest", Audio(as_mono_float(samples), int(rate)), conversation=conv
            )
        except ResonantError as exc:
            return (gr.skip(), gr.skip(), f"⚠️ {exc}", *(gr.skip(),) * 5)
        timing = ", ".join(f"{k} {v:.0f} ms" for k, v in reply.timings_ms.items())
        return (
            _playable([reply.audio]) if reply.audio.seconds else None,
            _log_rows([reply]),
            f"Heard: “{reply.transcript.text or '…'}” · {timing}",
            *panel(reply, single.agent, conv),
        )

    # The call ends when the page goes away, too (Gradio deletes the tab's state).
    call_state = gr.State(None, delete_callback=_end_call)
    with gr.Tab("Call"), gr.Row():
        with gr.Column(scale=3):
            gr.Markdown(
                "Press record and talk; pause to let the agent answer. "
                "Speak over it to interrupt. Stop recording to hang up."
            )
            mic = gr.Audio(
                sources=["microphone"], streaming=True, type="numpy", label="Microphone",
                elem_id="call-mic",
            )  # fmt: skip
            speaker_out = gr.Audio(
                streaming=True, autoplay=True, interactive=False, label="Agent",
                elem_id="call-speaker",
            )  # fmt: skip
            call_status = gr.Markdown(elem_id="call-status")
            call_log = gr.Chatbot(label="Call transcript", height=260, elem_id="call-log")
            with gr.Accordion("No microphone? Send a recorded clip", open=False):
                clip = gr.Audio(
                    sources=["upload", "microphone"], type="numpy", label="Clip",
                    elem_id="call-clip",
                )  # fmt: skip
                send_clip = gr.Button("Send clip", elem_id="call-send-clip")
                clip_reply = gr.Audio(autoplay=True, label="Reply", elem_id="call-clip-reply")
        with gr.Column(scale=2, elem_id="call-affect-panel"):
            banner = gr.Markdown(elem_id="call-safety-banner")
            emotions = gr.Label(label="Your emotion", num_top_classes=5, elem_id="call-emotions")
            cause = gr.HighlightedText(label="What caused it", color_map={"cause": "orange"})
            plot = gr.Plot(label="VAD: you (red) and the agent (blue)")
            recalled = gr.Dataframe(headers=MEMORY_COLUMNS, label="Memories recalled")
    panel_outputs = [banner, emotions, cause, plot, recalled]
    mic.stream(
        on_chunk,
        [mic, call_state, user_id, persona, conversation],
        [speaker_out, call_state, call_log, call_status, *panel_outputs],
        stream_every=STREAM_EVERY_SECONDS,
        time_limit=30 * 60,
    )
    mic.stop_recording(hang_up, call_state, [call_state, call_status])
    send_clip.click(
        one_turn,
        [clip, user_id, persona, conversation],
        [clip_reply, call_log, call_status, *panel_outputs],
    )
