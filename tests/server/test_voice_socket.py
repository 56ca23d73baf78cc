"""The streaming voice endpoint, driven as an app would: real Whisper and Piper, a real
WebSocket to the FastAPI app, speech sent in 100 ms PCM16 frames."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

pytest.importorskip("faster_whisper", reason="needs the voice extra")
pytest.importorskip("piper", reason="needs the voice extra")

from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.audio.streams import opus_recording
from resonant.llm.testing import ScriptedChatModel
from resonant.server import KeyRing, create_app, voice_socket
from resonant.voice.pipeline import VoiceAgent

pytestmark = pytest.mark.voice
FRAME = SPEECH_RATE // 10  # 100 ms


@pytest.fixture(scope="module")
def speech(piper) -> Audio:
    said = piper.synthesize("I had a terrible day at work today.").resampled(SPEECH_RATE)
    lead, tail = np.zeros(SPEECH_RATE // 4, np.float32), np.zeros(SPEECH_RATE * 3 // 2, np.float32)
    return Audio(np.concatenate([lead, said.samples, tail]), SPEECH_RATE)


@pytest.fixture
def served(make_agent, piper, whisper):
    agent = make_agent(ScriptedChatModel(["I'm sorry your day was so hard. What happened?"]))
    keys = KeyRing(agent.store)
    voice = VoiceAgent(agent, transcriber=whisper, synthesizer=piper)
    app = create_app(agent, keys, warm_up=False, voice=voice)
    with TestClient(app) as client:
        yield client, keys.create("acme"), agent


def frames(audio: Audio) -> Iterator[bytes]:
    data = audio.pcm16()
    for start in range(0, len(data), FRAME * 2):
        yield data[start : start + FRAME * 2]


def until(ws: Any, kind: str, limit: float = 60.0) -> list[dict[str, Any] | bytes]:
    """Every message up to and including the first JSON message of `kind`."""
    seen: list[dict[str, Any] | bytes] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        message = ws.receive()
        if message["type"] == "websocket.close":
            raise AssertionError(f"closed {message.get('code')} before {kind}: {seen}")
        item = message["bytes"] if message.get("bytes") is not None else json.loads(message["text"])
        seen.append(item)
        if isinstance(item, dict) and item["type"] == kind:
            return seen
    raise AssertionError(f"no {kind} within {limit} s: {seen}")


def kind_of(message: dict[str, Any] | bytes) -> str:
    """A message's type; partial transcripts are "partial", audio frames "<audio>"."""
    if isinstance(message, bytes):
        return "<audio>"
    if message["type"] == "transcript" and not message["final"]:
        return "partial"
    return str(message["type"])


def closed_with(ws: Any) -> tuple[int, list[Any]]:
    seen = []
    while True:
        message = ws.receive()
        if message["type"] == "websocket.close":
            return message["code"], seen
        seen.append(message.get("text") or message.get("bytes"))


def test_a_spoken_turn_streams_transcript_affect_text_and_audio_and_is_stored_once(served, speech):
    client, key, agent = served
    url = "/v1/voice?user=ada&conversation=call&sample_rate=16000"
    with client.websocket_connect(url, headers={"Authorization": f"Bearer {key}"}) as ws:
        assert ws.receive_json() == {
            "type": "ready", "sample_rate": 16000, "user": "ada", "conversation": "call",
        }  # fmt: skip
        for frame in frames(speech):
            ws.send_bytes(frame)
        seen = until(ws, "reply_done")
        kinds = [kind_of(m) for m in seen]
        # The speech is transcribed at its pause (a partial transcript), and that is the
        # turn's final transcript too.
        assert kinds.index("partial") < kinds.index("transcript")
        assert (
            kinds.index("speech_started")
            < kinds.index("turn_ended")
            < kinds.index("transcript")
            < kinds.index("reply_text")
            < kinds.index("<audio>")
            < kinds.index("reply_done")
        )
        transcript = seen[kinds.index("transcript")]
        assert "terrible day" in transcript["text"].lower()
        assert seen[len(kinds) - 1 - kinds[::-1].index("partial")]["text"] == transcript["text"]
        # Each reply sentence: its text, its audio header, its samples; then the trace.
        sentences = [
            i for i, m in enumerate(seen) if isinstance(m, dict) and m["type"] == "reply_text"
        ]
        assert len(sentences) == 2
        for i in sentences:
            header, audio = seen[i + 1], seen[i + 2]
            assert header["type"] == "audio" and header["sample_rate"] > 0
            assert isinstance(audio, bytes) and len(audio) == 2 * header["samples"] > 0
        done = seen[-1]
        assert done["reply"].startswith("I'm sorry your day was so hard")
        # The reply's text as it was written, before the first sentence's audio.
        deltas = [m["text"] for m in seen if kind_of(m) == "reply_delta"]
        assert "".join(deltas) == done["reply"]
        assert kinds.index("reply_delta") < kinds.index("<audio>")
        assert done["user_emotion"]["label"] and set(done["agent_vad"]) == {"v", "a", "d"}
        ws.send_json({"type": "hang_up"})
        code, _ = closed_with(ws)
    assert code == 1000
    roles = [t["role"] for t in agent.store.turns("acme:ada", "call")]
    assert roles == ["user", "assistant"]
    assert agent.store.turns("ada") == []  # the tenant's user, never a bare id


def test_a_browser_passes_the_key_as_a_subprotocol(served):
    client, key, _ = served
    with client.websocket_connect("/v1/voice?user=ada", subprotocols=[f"bearer.{key}"]) as ws:
        assert ws.accepted_subprotocol == f"bearer.{key}"
        assert ws.receive_json()["type"] == "ready"


@pytest.mark.parametrize(
    ("url", "headers", "code"),
    [
        ("/v1/voice?user=ada", {}, 4401),
        ("/v1/voice?user=ada", {"Authorization": "Bearer nope"}, 4401),
        ("/v1/voice?user=ada&sample_rate=1000", None, 4400),
        ("/v1/voice?user=a%0Ab", None, 4400),
        ("/v1/voice", None, 4400),
        ("/v1/voice?user=ada&persona=nobody", None, 4400),
        ("/v1/voice?user=ada&format=mp3", None, 4400),
    ],
)
def test_a_bad_connection_is_told_why_and_closed_with_its_code(served, url, headers, code):
    client, key, _ = served
    sent = {"Authorization": f"Bearer {key}"} if headers is None else headers
    with client.websocket_connect(url, headers=sent) as ws:
        got, seen = closed_with(ws)
    assert got == code
    assert json.loads(seen[-1])["type"] == "error"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (b"\x00\x01\x02", 1003),  # half a sample
        (b"\x00" * (voice_socket.MAX_FRAME_BYTES + 2), 1009),
        ("not json", 1003),
        (json.dumps({"type": "dance"}), 1003),
    ],
)
def test_bad_frames_close_the_call_with_a_clear_code(served, message, code):
    client, key, agent = served
    with client.websocket_connect(
        "/v1/voice?user=ada", headers={"Authorization": f"Bearer {key}"}
    ) as ws:
        ws.receive_json()
        if isinstance(message, bytes):
            ws.send_bytes(message)
        else:
            ws.send_text(message)
        got, seen = closed_with(ws)
    assert got == code
    assert json.loads(seen[-1])["type"] == "error"
    assert agent.store.turns("acme:ada") == []


@pytest.mark.parametrize("container", ["webm", "ogg"])
def test_a_browser_recording_in_webm_or_ogg_opus_is_heard(served, speech, container):
    client, key, agent = served
    recording = opus_recording(speech, container)
    url = f"/v1/voice?user=ada&format={container}"
    with client.websocket_connect(url, headers={"Authorization": f"Bearer {key}"}) as ws:
        ws.receive_json()
        for start in range(0, len(recording), 1_000):  # slices cut anywhere, as they come
            ws.send_bytes(recording[start : start + 1_000])
        seen = until(ws, "reply_done")
        transcript = next(m for m in seen if kind_of(m) == "transcript")
        assert "terrible day" in transcript["text"].lower()
        ws.send_json({"type": "hang_up"})
        code, _ = closed_with(ws)
    assert code == 1000
    assert [t["role"] for t in agent.store.turns("acme:ada")] == ["user", "assistant"]


def test_a_stream_that_is_not_the_declared_container_is_refused(served, speech):
    client, key, agent = served
    url = "/v1/voice?user=ada&format=webm"
    with client.websocket_connect(url, headers={"Authorization": f"Bearer {key}"}) as ws:
        ws.receive_json()
        ws.send_bytes(speech.pcm16()[:64_000])  # PCM16 sent as if it were WebM
        code, seen = closed_with(ws)
    assert code == 1003
    assert "cannot decode the audio as webm" in json.loads(seen[-1])["message"]
    assert agent.store.turns("acme:ada") == []


@contextmanager
def spoken(client: Any, key: str, user: str, speech: Audio) -> Iterator[Any]:
    """A call as `user` that has just said `speech`."""
    headers = {"Authorization": f"Bearer {key}"}
    with client.websocket_connect(f"/v1/voice?user={user}", headers=headers) as ws:
        ws.receive_json()
        for frame in frames(speech):
            ws.send_bytes(frame)
        yield ws


def test_a_client_that_leaves_mid_reply_still_gets_its_turn_stored_once(served, speech):
    client, key, agent = served
    with spoken(client, key, "bo", speech) as ws:
        until(ws, "turn_ended")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(agent.store.turns("acme:bo")) < 2:
        time.sleep(0.1)
    time.sleep(0.5)
    assert [t["role"] for t in agent.store.turns("acme:bo")] == ["user", "assistant"]


def test_silence_forever_ends_the_call(served, monkeypatch):
    client, key, _ = served
    monkeypatch.setattr(voice_socket, "IDLE_SECONDS", 0.5)
    with client.websocket_connect(
        "/v1/voice?user=ada", headers={"Authorization": f"Bearer {key}"}
    ) as ws:
        ws.receive_json()
        quiet = np.zeros(FRAME, np.float32)
        try:
            for _ in range(30):
                ws.send_bytes(Audio(quiet, SPEECH_RATE).pcm16())
                time.sleep(0.05)
        except WebSocketDisconnect:
            pass
        code, _ = closed_with(ws)
    assert code == 4408


def test_a_client_far_behind_the_reply_audio_is_cut_off(served, speech, monkeypatch):
    client, key, _ = served
    monkeypatch.setattr(voice_socket, "MAX_UNREAD_SECONDS", 0.2)
    with spoken(client, key, "cy", speech) as ws:
        code, _ = closed_with(ws)
    assert code == 1008


def test_the_server_hands_out_its_browser_client(served):
    client, _, _ = served
    page = client.get("/voice")
    assert page.status_code == 200 and "new WebSocket" in page.text and "/v1/voice" in page.text


def test_a_server_without_voice_says_so(make_agent):
    agent = make_agent(ScriptedChatModel(["ok"]))
    keys = KeyRing(agent.store)
    with (
        TestClient(create_app(agent, keys, warm_up=False)) as client,
        client.websocket_connect("/v1/voice?user=ada") as ws,
    ):
        code, seen = closed_with(ws)
    assert code == 4400 and "voice is off" in seen[-1]


def test_a_long_call_is_not_cut_for_audio_that_has_had_time_to_play(served, speech, monkeypatch):
    """Without `played` messages the server counts real time as playback: a second reply,
    sent after the first could have played, stays within the budget the two together
    would exceed."""
    client, key, agent = served
    headers = {"Authorization": f"Bearer {key}"}
    with client.websocket_connect("/v1/voice?user=dee", headers=headers) as ws:
        ws.receive_json()
        for frame in frames(speech):
            ws.send_bytes(frame)
        first = until(ws, "reply_done")
        heard = sum(m["samples"] / m["sample_rate"] for m in first
                    if isinstance(m, dict) and m["type"] == "audio")  # fmt: skip
        monkeypatch.setattr(voice_socket, "MAX_UNREAD_SECONDS", 1.5 * heard)
        time.sleep(heard)  # the first reply has played by now
        for frame in frames(speech):
            ws.send_bytes(frame)
        until(ws, "reply_done")
        ws.send_json({"type": "hang_up"})
        code, _ = closed_with(ws)
    assert code == 1000
    assert [t["role"] for t in agent.store.turns("acme:dee")] == ["user", "assistant"] * 2
