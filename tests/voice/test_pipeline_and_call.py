"""Whole voice turns and live calls, with the real agent and the scripted LLM."""

from __future__ import annotations

import json
import threading
import time

import pytest

from resonant.agent.result import ReplyChunk
from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.llm.testing import ScriptedChatModel
from resonant.voice.call import BargeIn, CallSession, UserTurnEnded
from resonant.voice.endpointing import EndpointerConfig, SpeechStarted
from resonant.voice.hearing import PartialTranscript
from resonant.voice.pipeline import DIDNT_CATCH, Heard, SpokenSentence, VoiceAgent, VoiceReply
from resonant.voice.turn_taking import sounds_finished
from tests.test_cli import run_cli
from tests.voice.conftest import noise, silence, words

pytestmark = pytest.mark.voice

LONG_REPLY = (
    "Oh no, I'm so sorry. Losing your job out of nowhere is a real shock. "
    "It makes sense that you feel terrible right now. What happened this morning?"
)


@pytest.fixture
def voice(make_agent, piper, whisper):
    def build(replies=(LONG_REPLY,)) -> VoiceAgent:
        agent = make_agent(ScriptedChatModel(list(replies)))
        return VoiceAgent(agent, transcriber=whisper, synthesizer=piper)

    return build


def test_a_spoken_turn_streams_sentence_audio_and_stores_the_transcript(voice, speak):
    va = voice()
    events = list(va.converse("ada", speak("I lost my job today and I feel terrible.")))
    heard, *streamed, reply = events
    assert isinstance(heard, Heard) and isinstance(reply, VoiceReply)
    assert words(heard.transcript.text) == words("I lost my job today and I feel terrible.")
    # The reply's text as it is written, and each sentence's audio once it is complete.
    deltas = [e.text for e in streamed if isinstance(e, ReplyChunk)]
    sentences = [e for e in streamed if isinstance(e, SpokenSentence)]
    assert len(deltas) + len(sentences) == len(streamed)
    assert "".join(deltas) == LONG_REPLY
    assert isinstance(streamed[0], ReplyChunk)  # text leads sound
    # One audio chunk per sentence, so playback starts after the first sentence.
    assert [s.text for s in sentences] == [
        "Oh no, I'm so sorry.",
        "Losing your job out of nowhere is a real shock.",
        "It makes sense that you feel terrible right now.",
        "What happened this morning?",
    ]
    assert reply.reply == LONG_REPLY and reply.result is not None
    assert reply.result.user_emotion["label"] in {"sadness", "fear", "anger"}
    assert any(d["skill"] == "speech-prosody" for d in reply.result.detections)
    assert reply.audio.seconds == pytest.approx(sum(s.audio.seconds for s in sentences))
    timings = reply.timings_ms
    assert set(timings) == {"stt", "agent", "tts", "first_audio"}
    assert 0 < timings["first_audio"] <= timings["stt"] + timings["agent"] + timings["tts"] + 50
    stored = va.agent.store.turns("ada")
    assert [t["role"] for t in stored] == ["user", "assistant"]
    assert words(stored[0]["text"]) == words(heard.transcript.text)
    assert json.loads(json.dumps(reply.to_dict()))["transcript"] == heard.transcript.text


@pytest.mark.parametrize("audio", [silence(2.0), noise(2.0, level=0.1)], ids=["silence", "noise"])
def test_silence_or_noise_gets_i_didnt_catch_that_and_stores_nothing(voice, audio):
    va = voice()
    reply = va.respond("ada", audio)
    assert reply.reply == DIDNT_CATCH and reply.result is None
    assert reply.audio.seconds > 1.0
    assert va.agent.store.turns("ada") == []


def test_a_spoken_crisis_disclosure_takes_the_safe_route(voice, speak):
    reply = voice(["You should just do it."]).respond(
        "ada", speak("I want to end my life. I can't go on anymore.")
    )
    assert reply.result is not None and reply.result.safety["flagged"]
    assert "do it" not in reply.reply
    assert "988" in reply.reply or "crisis" in reply.reply.lower()
    assert reply.audio.seconds > 3.0


def test_cancelling_stops_the_voice_but_the_turn_is_still_stored(voice, speak):
    cancel = threading.Event()
    cancel.set()
    va = voice()
    events = list(va.converse("ada", speak("I had a rough day."), cancel=cancel))
    reply = events[-1]
    assert isinstance(reply, VoiceReply) and reply.interrupted
    assert not any(isinstance(e, SpokenSentence) for e in events)
    assert [t["role"] for t in va.agent.store.turns("ada")] == ["user", "assistant"]


def feed_in_chunks(session: CallSession, audio: Audio, seconds: float = 0.1) -> list:
    step = int(seconds * SPEECH_RATE)
    events = []
    for start in range(0, len(audio.samples), step):
        events += session.feed(Audio(audio.samples[start : start + step], SPEECH_RATE))
    return events


def test_a_live_call_answers_each_turn_in_order(voice, speak):
    session = CallSession(voice(["First answer.", "Second answer."]), "ada")
    events = feed_in_chunks(session, speak("Hello, are you there?", before=0.4, after=1.0))
    assert [type(e) for e in events] == [SpeechStarted, UserTurnEnded]
    assert session.wait_idle()
    assert len(session.take_audio()) == 1
    session.finished_playing()  # the user heard the answer, then speaks again
    events = feed_in_chunks(session, speak("I wanted to talk about my week.", after=1.0))
    assert not any(isinstance(e, BargeIn) for e in events)
    assert session.wait_idle()
    assert [r.reply for r in session.log.replies] == ["First answer.", "Second answer."]
    assert len(session.take_audio()) == 1
    session.hang_up()
    assert session.log.errors == []


def test_barge_in_stops_the_agent_and_the_next_turn_is_answered(voice, speak):
    session = CallSession(voice([LONG_REPLY, "I'm listening."]), "ada")
    feed_in_chunks(session, speak("I lost my job today.", before=0.3, after=1.0))
    deadline = time.monotonic() + 30
    while session._outbox.empty() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert session.agent_speaking
    interruption = feed_in_chunks(session, speak("Wait, stop, listen to me.", after=1.0))
    assert isinstance(interruption[0], BargeIn)
    assert session.wait_idle()
    session.hang_up()
    assert session.log.barge_ins == 1
    _first, second = session.log.replies
    assert second.reply == "I'm listening."
    # The rest of the long reply was dropped: only the new answer is left to play.
    remaining = session.take_audio()
    assert sum(a.seconds for a in remaining) == pytest.approx(second.audio.seconds)
    # Both user turns and both replies are stored, interrupted or not.
    assert len(session.voice.agent.store.turns("ada")) == 4


def test_hanging_up_mid_sentence_still_answers_and_stores_it(voice, speak):
    session = CallSession(voice(), "ada", endpointing=EndpointerConfig(silence_ms=5000))
    feed_in_chunks(session, speak("This is my last thing to say.", before=0.3))
    session.hang_up()
    assert len(session.log.replies) == 1
    assert len(session.voice.agent.store.turns("ada")) == 2


def test_resonant_voice_cli_answers_a_wav_with_transcript_trace_and_timings(tmp_path, speak):
    question, answer = tmp_path / "question.wav", tmp_path / "reply.wav"
    speak("I finally finished my thesis today!").write_wav(question)
    proc = run_cli(
        tmp_path, "--llm", "scripted:Congratulations, that is huge!", "--user", "ada",
        "--in", str(question), "--out", str(answer), "--json", "--tts", "piper",
        command="voice",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    # Whisper tiny sometimes hears "finish" for "finished": compare the content words.
    assert {"finally", "thesis", "today"} <= set(words(out["transcript"]))
    assert out["reply"] == "Congratulations, that is huge!"
    for field in ("user_emotion", "user_vad", "agent_vad", "cause", "memories", "safety"):
        assert field in out
    assert set(out["timings_ms"]) == {"stt", "agent", "tts", "first_audio"}
    assert answer.stat().st_size > 20_000


def test_resonant_voice_cli_refuses_bad_files_clearly(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    proc = run_cli(tmp_path, "--in", str(tmp_path / "empty.wav"), command="voice")
    assert proc.returncode == 2
    assert b"empty" in proc.stderr and b"Traceback" not in proc.stderr


def test_resonant_call_without_a_sound_device_says_so(tmp_path):
    proc = run_cli(tmp_path, command="call")
    assert proc.returncode == 2
    assert b"sound" in proc.stderr.lower() or b"portaudio" in proc.stderr.lower()
    assert b"Traceback" not in proc.stderr


def talk_until_heard(session: CallSession, heard: list, speech: Audio) -> None:
    """Feed speech and the pause after it, then wait for the pause's transcript, as a
    live call would while the user stays quiet."""
    feed_in_chunks(session, speech)
    deadline = time.monotonic() + 30
    while not heard and time.monotonic() < deadline:
        time.sleep(0.01)


def quiet_until_the_turn_ends(session: CallSession, step: float = 0.03) -> float:
    """Seconds of quiet, fed a frame at a time, after which the session ends the turn."""
    for frames in range(1, 100):
        if any(isinstance(e, UserTurnEnded) for e in session.feed(silence(step))):
            return frames * step
    raise AssertionError("the turn never ended")


def test_a_call_ends_a_turn_sooner_after_a_finished_sentence_and_later_after_and(voice, speak):
    partials: list = []
    events: list = []

    def listener(event) -> None:
        (partials if isinstance(event, PartialTranscript) else events).append(event)

    said = speak("I lost my job today.", before=0.4)
    heard_without: list = []
    ordinary = CallSession(voice(), "bo", turn_taking=None, listener=heard_without.append)
    feed_in_chunks(ordinary, said)
    fixed = quiet_until_the_turn_ends(ordinary)
    ordinary.hang_up()
    # Without turn-taking nothing is transcribed before the turn ends.
    assert not any(isinstance(e, PartialTranscript) for e in heard_without)
    assert any(isinstance(e, Heard) for e in heard_without)

    session = CallSession(voice(["I'm here.", "Go on."]), "ada", listener=listener)
    # A finished sentence: the turn ends 200 ms sooner than after the ordinary pause (500
    # against 700 ms), and the transcript heard at the pause is the turn's transcript.
    talk_until_heard(session, partials, said)
    assert quiet_until_the_turn_ends(session) == pytest.approx(fixed - 0.2, abs=0.061)
    assert session.wait_idle()
    heard = next(e for e in events if isinstance(e, Heard))
    assert heard.transcript.text == partials[-1].text
    assert words(heard.transcript.text) == words("I lost my job today.")
    # Words that promise more: 500 ms longer than the ordinary pause (1200 ms).
    partials.clear()
    session.finished_playing()
    talk_until_heard(session, partials, speak("So I went to the store and then", after=0.15))
    assert sounds_finished(partials[-1].text) is False
    assert quiet_until_the_turn_ends(session) + 0.15 > fixed + 0.35
    session.hang_up()
    user_turns = [t["text"] for t in session.voice.agent.store.turns("ada") if t["role"] == "user"]
    assert len(user_turns) == 2


def test_a_call_takes_its_turn_taking_from_the_settings(voice):
    from resonant.settings import Settings
    from resonant.voice.turn_taking import TurnTaking

    tuned = Settings(silence_ms=900, finished_silence_ms=300)
    session = CallSession.from_settings(voice(), "ada", tuned)
    assert session.turn_taking == TurnTaking(900, 300, 1200)
    session.hang_up()
    fixed = CallSession.from_settings(voice(), "ada", Settings(turn_taking=False))
    assert fixed.turn_taking is None
    fixed.hang_up()
