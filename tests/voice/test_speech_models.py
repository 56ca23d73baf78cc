"""STT, TTS, endpointing and prosody on speech the tests synthesise themselves."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from resonant.affect import VAD
from resonant.audio.prosody import frame_pitch, measure
from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.errors import BackendConfigError
from resonant.skills.base import SkillInput
from resonant.skills.speech_prosody import SpeechProsodySkill
from resonant.text.sentences import split_sentences
from resonant.voice.delivery import Delivery
from resonant.voice.endpointing import Endpointer, Paused, SpeechStarted, TurnEnded
from resonant.voice.stt import WhisperTranscriber
from resonant.voice.tts import EspeakSynthesizer, load_synthesizer
from tests.voice.conftest import noise, silence, words

pytestmark = pytest.mark.voice

PANGRAM = "The quick brown fox jumps over the lazy dog."


def test_piper_speech_round_trips_through_whisper(speak, whisper):
    transcript = whisper.transcribe(speak(PANGRAM))
    assert words(transcript.text) == words(PANGRAM)
    assert transcript.language == "en"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_espeak_fallback_round_trips_through_whisper(whisper):
    speech = EspeakSynthesizer().synthesize("Good morning, how are you today?")
    assert words(whisper.transcribe(speech).text) == words("Good morning, how are you today?")


def test_silence_and_noise_transcribe_to_nothing(whisper):
    assert not whisper.transcribe(silence(2.0)).heard_speech
    assert not whisper.transcribe(noise(2.0, level=0.1)).heard_speech


def test_delivery_follows_the_agents_arousal_and_keeps_the_requested_duration(piper):
    calm = Delivery.from_vad(VAD(0.2, -0.8, 0.3))
    lively = Delivery.from_vad(VAD(0.6, 0.8, 0.0))
    assert lively.rate > calm.rate and lively.pitch_semitones > calm.pitch_semitones
    assert lively.volume > calm.volume
    text = "I am really glad you told me about it."

    # Piper samples phoneme durations, so each length is averaged over several syntheses.
    def seconds(delivery: Delivery) -> float:
        return sum(piper.synthesize(text, delivery).seconds for _ in range(8))

    normal = seconds(Delivery())
    assert seconds(Delivery(rate=0.8)) > 1.05 * normal > 1.1 * seconds(Delivery(rate=1.2))
    # Pitch is shifted by resampling, which alone would shorten the audio by 2^(4/12) =
    # 1.26x; the synthesis is pre-stretched, so the duration stays close to normal.
    assert seconds(Delivery(pitch_semitones=4.0)) == pytest.approx(normal, rel=0.15)


def test_unknown_or_missing_tts_backends_say_what_to_install():
    with pytest.raises(BackendConfigError, match="unknown TTS backend"):
        load_synthesizer("festival")
    with pytest.raises(BackendConfigError, match="coqui needs a model"):
        load_synthesizer("coqui")
    with pytest.raises(BackendConfigError, match="coqui-tts"):
        load_synthesizer("coqui:tts_models/en/ljspeech/vits")
    with pytest.raises(BackendConfigError, match="cannot load Piper voice"):
        load_synthesizer("piper:/nonexistent/voice.onnx")


def test_a_missing_whisper_model_is_a_clear_error(tmp_path):
    with pytest.raises(BackendConfigError, match="cannot load Whisper folder"):
        WhisperTranscriber(str(tmp_path)).transcribe(silence(0.5))


def test_endpointer_finds_one_turn_in_speech_fed_in_uneven_chunks(speak):
    audio = speak("I had a really long day at work.", before=0.5, after=1.2)
    endpointer = Endpointer()
    events = []
    rng = np.random.default_rng(1)
    position = 0
    while position < len(audio.samples):
        step = int(rng.integers(80, 4000))
        events += endpointer.feed(audio.samples[position : position + step])
        position += step
    assert [type(e) for e in events if not isinstance(e, Paused)] == [SpeechStarted, TurnEnded]
    turn = events[-1]
    assert isinstance(turn, TurnEnded)
    # The turn holds the speech plus pre-roll and the closing pause, not the leading silence.
    assert 1.0 < turn.audio.seconds < audio.seconds - 0.3
    # It ended in the last pause reported, whose audio is the turn without most of its quiet.
    last_pause = [e for e in events if isinstance(e, Paused)][-1]
    assert turn.pause == last_pause.pause
    assert turn.audio.seconds - last_pause.audio.seconds == pytest.approx(0.58, abs=0.04)


def test_endpointer_ends_the_turn_after_the_pause_its_judge_asks_for(speak):
    audio = speak("I had a really long day at work.", before=0.5, after=1.5)
    asked: list[int] = []

    def turn_end(needed_ms: int) -> TurnEnded:
        def judge(pause: int) -> int:
            asked.append(pause)
            return needed_ms

        events = Endpointer(silence_needed=judge).feed(audio.samples)
        return next(e for e in events if isinstance(e, TurnEnded))

    quick, ordinary = turn_end(240), turn_end(700)
    # 460 ms less quiet is waited for (to the frame), and the judge was asked of real pauses.
    assert ordinary.audio.seconds - quick.audio.seconds == pytest.approx(0.46, abs=0.031)
    assert asked and min(asked) >= 1
    # A judge that asks for more quiet than there is keeps the turn open until the stream
    # ends, and the turn still ends in its pause.
    patient = Endpointer(silence_needed=lambda pause: 5000)
    assert not any(isinstance(e, TurnEnded) for e in patient.feed(audio.samples))
    (flushed,) = patient.flush()
    assert isinstance(flushed, TurnEnded) and flushed.pause is not None


def test_each_pause_reports_how_long_the_earlier_pauses_of_its_turn_lasted(speak):
    """A 150 ms dropout inside a word and a 450 ms pause between sentences of one turn:
    the pauses after them know how long each lasted (to the 30 ms frame)."""
    first_phrase = speak("My grandmother passed away last week.", before=0.5)
    dropout = slice(int(0.9 * SPEECH_RATE), int(1.05 * SPEECH_RATE))  # inside "grandmother"
    first_phrase.samples[dropout] = 0.0
    turn = Audio.concatenate(
        [first_phrase, silence(0.45), speak("I miss her."), silence(0.5)], SPEECH_RATE
    )
    pauses = [e for e in Endpointer().feed(turn.samples) if isinstance(e, Paused)]
    assert len(pauses) == 3
    first, second, third = pauses
    assert first.earlier_quiet_ms == {}
    assert second.earlier_quiet_ms == {first.pause: pytest.approx(150, abs=60)}
    assert third.earlier_quiet_ms[first.pause] == second.earlier_quiet_ms[first.pause]
    # The 450 ms put between the sentences, plus the quiet Piper ends a sentence with.
    assert 450 <= third.earlier_quiet_ms[second.pause] <= 700


def test_endpointer_ignores_silence_and_steady_room_noise():
    endpointer = Endpointer()
    assert endpointer.feed(silence(3.0).samples) == []
    assert Endpointer().feed(noise(5.0, level=0.05).samples) == []


def test_endpointer_splits_two_sentences_separated_by_a_long_pause(speak):
    audio = Audio.concatenate(
        [speak("First thing.", before=0.3, after=1.0), speak("Second thing.", after=1.0)],
        SPEECH_RATE,
    )
    events = Endpointer().feed(audio.samples)
    assert sum(isinstance(e, TurnEnded) for e in events) == 2


def test_pitch_tracker_reads_a_pure_tone():
    t = np.arange(int(0.5 * SPEECH_RATE)) / SPEECH_RATE
    tone = (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)
    assert measure(Audio(tone, SPEECH_RATE)).pitch_hz == pytest.approx(150, rel=0.03)
    assert frame_pitch(np.zeros((3, 640), np.float32)).tolist() == [0.0, 0.0, 0.0]


def test_speech_prosody_skill_hears_fast_speech_as_more_aroused(speak):
    text = "I cannot believe this is happening to me right now."
    skill = SpeechProsodySkill()

    def arousal(rate: float) -> float:
        audio = speak(text, rate=rate)
        found = skill.detect(SkillInput(text=text, audio=audio.pcm16(), sample_rate=SPEECH_RATE))
        assert found is not None and found.vad is not None
        assert 0 < found.score <= 0.35
        return found.vad.a

    assert arousal(1.2) > arousal(0.8)
    assert skill.detect(SkillInput(text=text)) is None  # typed turns: nothing to hear
    quiet = SkillInput(text="", audio=silence(1.0).pcm16(), sample_rate=SPEECH_RATE)
    assert skill.detect(quiet) is None


def test_sentences_are_cut_as_the_reply_streams_in():
    pieces = [
        "I'm so sorry",
        " to hear that. Dr. Lee",
        " said it was 3.5 weeks? ",
        "Oh.",
        " Take care",
    ]
    assert list(split_sentences(pieces)) == [
        "I'm so sorry to hear that.",
        "Dr. Lee said it was 3.5 weeks?",
        "Oh. Take care",
    ]
    assert all(len(s) <= 301 for s in split_sentences(["word " * 200]))
