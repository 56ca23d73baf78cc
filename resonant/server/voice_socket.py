"""The streaming voice endpoint: a live call over one WebSocket (`/v1/voice`).

An app streams the user's microphone in and gets, as they happen, what the agent heard,
the affect it read, its reply as text and as audio, and barge-in notices. One socket is
one `CallSession` (endpointing, barge-in, turns answered in order and stored), so the
agent behaves exactly as in `resonant call` and the demo's Call tab.

Connect (API key as for the HTTP API; browsers, which cannot set headers, pass it as the
subprotocol ``bearer.KEY``)::

    ws://HOST:PORT/v1/voice?user=ada&conversation=main&sample_rate=16000[&persona=sage]
                           [&format=pcm16|webm|ogg]
    Authorization: Bearer KEY

Client -> server:
    binary frames   the microphone, as `format` says (each up to MAX_FRAME_BYTES):
                    pcm16 (default): PCM16 little-endian mono at `sample_rate` (8-48 kHz),
                    any length (20-100 ms is typical);
                    webm or ogg: one WebM or Ogg stream (Opus, as a browser's
                    MediaRecorder records it) in consecutive slices of any size;
                    `sample_rate` is then read from the stream
    {"type": "played"}    everything received so far has finished playing (optional; the
                          server otherwise estimates it from durations, for barge-in)
    {"type": "hang_up"}   end the call; a turn in progress is still answered and stored

Server -> client (JSON text frames, and binary frames of reply audio):
    {"type": "ready", "sample_rate": 16000, "user": "ada", "conversation": "main"}
    {"type": "speech_started"}                  the user started speaking
    {"type": "barge_in"}                        stop playing the agent's audio now
    {"type": "transcript", "text": "...", "final": false}
                                                what the user said up to a pause in speech
                                                 (partial: the turn may go on)
    {"type": "turn_ended", "seconds": 2.4}      the user paused: their turn is answered
    {"type": "transcript", "text": "...", "final": true, "heard_speech": true}
    {"type": "reply_delta", "text": "..."}      the reply as the agent writes it (pieces of
                                                 text; they add up to the reply)
    {"type": "reply_text", "text": "..."}       the next sentence of the reply, followed by
    {"type": "audio", "sample_rate": 22050, "samples": 31250}  and one binary frame:
                                                 that sentence's audio, PCM16 LE mono
    {"type": "reply_done", ...}                 the turn's trace: user_emotion, user_vad,
                                                 agent_vad, cause, safety, memories, reply,
                                                 interrupted, timings_ms (as `resonant voice
                                                 --json`)
    {"type": "error", "message": "..."}         then the socket closes with a code below

Close codes: 1000 hung up; 1003 a frame that is not PCM16 (or a stream that is not the
declared WebM/Ogg) or not a known message;
1008 a client more than MAX_UNREAD_SECONDS behind the reply audio (audio sent minus the
time it takes to play; `played` catches up) or not taking frames at all; 1009 a
frame over MAX_FRAME_BYTES; 1011 a server error; 4400 bad connection parameters;
4401 no valid API key; 4408 no speech for IDLE_SECONDS; 4429 over the key's rate.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from resonant.agent.ids import check_id
from resonant.agent.result import ReplyChunk
from resonant.audio.samples import Audio
from resonant.audio.streams import CONTAINERS, StreamDecoder, StreamOverflow
from resonant.errors import ResonantError
from resonant.server.keys import KeyRing, hash_key
from resonant.server.ratelimit import Limiter
from resonant.settings import Settings
from resonant.voice.call import BargeIn, CallEvent, CallProgress, CallSession, UserTurnEnded
from resonant.voice.endpointing import SpeechStarted
from resonant.voice.hearing import PartialTranscript
from resonant.voice.pipeline import Heard, SpokenSentence, VoiceAgent, VoiceReply

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 192_000  # 2 s of 48 kHz PCM16: no microphone sends more at once
MIN_RATE, MAX_RATE = 8_000, 48_000
IDLE_SECONDS = 300.0  # a call where nobody speaks for this long is closed
MAX_UNREAD_SECONDS = 60.0  # reply audio sent beyond what real-time playback has consumed
SEND_TIMEOUT_SECONDS = 10.0  # one frame the client will not take for this long: it is gone
TICK_SECONDS = 0.02


class CallClosed(Exception):
    """Ends the call with a close code and a reason the client is told."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class CallRequest:
    tenant: str
    user: str
    conversation: str
    sample_rate: int
    persona: str | None
    audio_format: str = "pcm16"


def _key_of(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(the API key, the subprotocol to echo back) from the header or `bearer.KEY`."""
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), None
    offered = websocket.headers.get("sec-websocket-protocol", "")
    for protocol in (p.strip() for p in offered.split(",")):
        if protocol.startswith("bearer.") and len(protocol) > len("bearer."):
            return protocol[len("bearer.") :], protocol
    return None, None


def _parameters(websocket: WebSocket, tenant: str) -> CallRequest:
    query = websocket.query_params
    try:
        user = check_id("user", query.get("user", ""))
        conversation = check_id("conversation", query.get("conversation", "default"))
        rate = int(query.get("sample_rate", "16000"))
    except (ResonantError, ValueError) as exc:
        raise CallClosed(4400, str(exc)) from exc
    if not MIN_RATE <= rate <= MAX_RATE:
        raise CallClosed(4400, f"sample_rate must be {MIN_RATE}-{MAX_RATE} Hz, got {rate}")
    audio_format = query.get("format", "pcm16")
    if audio_format not in ("pcm16", *CONTAINERS):
        raise CallClosed(4400, f"format must be pcm16, webm or ogg, got {audio_format!r}")
    return CallRequest(tenant, user, conversation, rate, query.get("persona"), audio_format)


class VoiceCall:
    """One connected call: microphone frames in, events and reply audio out."""

    def __init__(self, websocket: WebSocket, session: CallSession, request: CallRequest):
        self.websocket = websocket
        self.session = session
        self.request = request
        # What the session's threads (and the decoder's) report, in order, for the loop.
        self.events: asyncio.Queue[CallProgress | CallEvent | CallClosed] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        self.last_speech = self.loop.time()
        self.decoder: StreamDecoder | None = None
        if request.audio_format in CONTAINERS:
            self.decoder = StreamDecoder(
                request.audio_format, on_audio=self._decoded, on_error=self._undecodable
            )

    def listen(self, event: CallProgress | CallEvent | CallClosed) -> None:
        """The session's listener (its threads): hand the event to the loop."""
        self.loop.call_soon_threadsafe(self.events.put_nowait, event)

    def _decoded(self, chunk: Audio) -> None:
        """The decoder's thread: the next piece of the user's compressed audio."""
        for event in self.session.feed(chunk):
            if isinstance(event, BargeIn):  # reply audio queued so far is never sent
                self.loop.call_soon_threadsafe(self.drop_unsent_speech)
            self.listen(event)

    def _undecodable(self, reason: str) -> None:
        self.listen(CallClosed(1003, reason))

    def end_input(self) -> None:
        """No more audio comes: what the decoder still holds reaches the session."""
        if self.decoder is not None:
            self.decoder.close()

    async def send(self, message: dict[str, Any] | bytes) -> None:
        try:
            if isinstance(message, bytes):
                await asyncio.wait_for(self.websocket.send_bytes(message), SEND_TIMEOUT_SECONDS)
            else:
                await asyncio.wait_for(self.websocket.send_json(message), SEND_TIMEOUT_SECONDS)
        except TimeoutError as exc:
            raise CallClosed(1008, "the client is not reading") from exc

    async def send_audio(self, part: Audio) -> None:
        """One sentence of reply audio: its header, then the samples."""
        header = {"type": "audio", "sample_rate": part.sample_rate, "samples": len(part.samples)}
        await self.send(header)
        await self.send(part.pcm16())

    async def receive(self) -> None:
        """Microphone frames and control messages until the client hangs up."""
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            if message.get("bytes") is not None:
                await self._audio(message["bytes"])
            elif message.get("text") is not None and self._control(message["text"]) == "hang_up":
                return

    async def _audio(self, data: bytes) -> None:
        if len(data) > MAX_FRAME_BYTES:
            raise CallClosed(1009, f"audio frames are at most {MAX_FRAME_BYTES} bytes")
        if self.decoder is not None:
            try:
                self.decoder.write(data)
            except StreamOverflow as exc:
                raise CallClosed(1008, str(exc)) from exc
            return
        if len(data) % 2:
            raise CallClosed(1003, "binary frames are PCM16: an even number of bytes")
        chunk = Audio.from_pcm16(data, self.request.sample_rate)
        for event in await run_in_threadpool(self.session.feed, chunk):
            await self.report(event)

    async def report(self, event: CallEvent) -> None:
        """What the session made of the user's audio."""
        if isinstance(event, BargeIn):
            self.drop_unsent_speech()
            await self.send({"type": "barge_in"})
        elif isinstance(event, SpeechStarted):
            self.last_speech = self.loop.time()
            await self.send({"type": "speech_started"})
        elif isinstance(event, UserTurnEnded):
            await self.send({"type": "turn_ended", "seconds": round(event.seconds, 3)})

    def _control(self, text: str) -> str:
        try:
            kind = json.loads(text).get("type")
        except (ValueError, AttributeError) as exc:
            raise CallClosed(1003, "text frames are JSON objects with a type") from exc
        if kind == "played":
            self.session.finished_playing()
        elif kind != "hang_up":
            raise CallClosed(1003, f"unknown message type {kind!r}; use played or hang_up")
        return str(kind)

    async def forward(self) -> None:
        """Events and reply audio to the client, as they come."""
        while True:
            try:
                event = await asyncio.wait_for(self.events.get(), TICK_SECONDS)
            except TimeoutError:
                event = None
            while event is not None:  # every event so far, in order
                await self.send_event(event)
                event = None if self.events.empty() else self.events.get_nowait()
            self.keep_up()
            idle = self.loop.time() - self.last_speech
            if idle > IDLE_SECONDS and not self.session.agent_speaking:
                raise CallClosed(4408, f"no speech for {IDLE_SECONDS:.0f} s")

    async def send_event(self, event: CallProgress | CallEvent | CallClosed) -> None:
        """One event; a reply sentence goes out as its text, then its audio."""
        if isinstance(event, CallClosed):
            raise event
        if isinstance(event, BargeIn | SpeechStarted | UserTurnEnded):
            await self.report(event)
            return
        await self.send(_message_of(event))
        if isinstance(event, SpokenSentence):
            await self.send_audio(event.audio)

    def keep_up(self) -> None:
        """Close a client too far behind the reply audio. The session's copy of the audio
        only feeds its playback estimate (reset by `played` and by barge-in)."""
        self.session.take_audio()
        if self.session.unplayed_seconds > MAX_UNREAD_SECONDS:
            raise CallClosed(1008, "the client left the reply audio unread")

    def drop_unsent_speech(self) -> None:
        """Barge-in: reply text and sentences not sent yet are never sent."""
        kept = []
        while not self.events.empty():
            event = self.events.get_nowait()
            if not isinstance(event, SpokenSentence | ReplyChunk):
                kept.append(event)
        for event in kept:
            self.events.put_nowait(event)


def _message_of(event: CallProgress) -> dict[str, Any]:
    if isinstance(event, PartialTranscript):
        return {"type": "transcript", "text": event.text, "final": False}
    if isinstance(event, Heard):
        return {
            "type": "transcript",
            "text": event.transcript.text,
            "final": True,
            "heard_speech": event.transcript.heard_speech,
        }
    if isinstance(event, ReplyChunk):
        return {"type": "reply_delta", "text": event.text}
    if isinstance(event, SpokenSentence):
        return {"type": "reply_text", "text": event.text}
    assert isinstance(event, VoiceReply)
    return {"type": "reply_done", **event.to_dict()}


async def serve_voice_call(
    websocket: WebSocket,
    *,
    voice: VoiceAgent,
    keys: KeyRing,
    limiter: Limiter,
    user_of: Callable[[str, str], str],
    settings: Settings,
) -> None:
    """Run one call on an incoming WebSocket until it ends (see the module docstring).

    `user_of(tenant, user)` is the agent's id of a tenant's user, as the HTTP API uses;
    `settings` gives the call's turn-taking (`silence_ms`, `turn_taking`).
    """
    key, protocol = _key_of(websocket)
    tenant: str | None = None
    call: VoiceCall | None = None
    if key:
        tenant = await run_in_threadpool(keys.tenant_of, key)
    await websocket.accept(subprotocol=protocol)
    session: CallSession | None = None
    try:
        if tenant is None:
            raise CallClosed(4401, "a valid API key is required: Authorization: Bearer KEY")
        waited: float = await run_in_threadpool(limiter.wait, hash_key(str(key)))
        if waited:
            raise CallClosed(4429, "rate limit exceeded; slow down")
        request = _parameters(websocket, tenant)
        speaker = voice.with_persona(request.persona) if request.persona else voice

        def listener(event: CallProgress) -> None:
            if call is not None:
                call.listen(event)

        session = CallSession.from_settings(
            speaker,
            user_of(tenant, request.user),
            settings,
            conversation=request.conversation,
            listener=listener,
        )
        call = VoiceCall(websocket, session, request)
        await call.send(
            {
                "type": "ready",
                "sample_rate": request.sample_rate,
                "user": request.user,
                "conversation": request.conversation,
            }
        )
        await _run(call)
        await _close(websocket, 1000, "hung up")
    except CallClosed as closed:
        await _close(websocket, closed.code, closed.reason, error=True)
    except WebSocketDisconnect:
        pass  # the client left; what it said is still answered and stored below
    except ResonantError as exc:  # an unknown persona, a voice model that will not load
        await _close(websocket, 4400, str(exc), error=True)
    except Exception:
        log.exception("voice call failed")
        await _close(websocket, 1011, "server error", error=True)
    finally:
        if call is not None:
            await run_in_threadpool(call.end_input)
        if session is not None:
            await run_in_threadpool(session.hang_up)


async def _run(call: VoiceCall) -> None:
    """Receive and forward at once; the first to finish (or fail) ends the call."""
    receiving = asyncio.create_task(call.receive())
    forwarding = asyncio.create_task(call.forward())
    done, pending = await asyncio.wait({receiving, forwarding}, return_when="FIRST_COMPLETED")
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()  # re-raise CallClosed or a disconnect
    # A hang-up: the turn in progress is answered and stored; say it all, then close.
    await run_in_threadpool(call.end_input)
    await run_in_threadpool(call.session.hang_up)
    await asyncio.sleep(TICK_SECONDS)  # the worker's last events reach the loop
    while not call.events.empty():
        await call.send_event(call.events.get_nowait())
        call.keep_up()


async def _close(websocket: WebSocket, code: int, reason: str, *, error: bool = False) -> None:
    if websocket.client_state != WebSocketState.CONNECTED:
        return
    try:
        if error:
            await websocket.send_json({"type": "error", "message": reason})
        await websocket.close(code=code, reason=reason[:120])
    except Exception:  # the client went away while we were closing
        log.debug("voice call: close after the client left", exc_info=True)
