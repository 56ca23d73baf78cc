"""PauseTranscriber's scheduling, with a transcriber that waits to be let through."""

from __future__ import annotations

import threading

import numpy as np

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.voice.hearing import PartialTranscript, PauseTranscriber
from resonant.voice.stt import Transcript


class GatedTranscriber:
    """Writes how long each clip is, once the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = threading.Semaphore(0)

    def transcribe(self, audio: Audio) -> Transcript:
        self.started.release()
        self.gate.wait(10)
        return Transcript(f"{audio.seconds:.1f} seconds.", "en", audio.seconds)


def clip(seconds: float) -> Audio:
    return Audio(np.full(int(seconds * SPEECH_RATE), 0.1, np.float32), SPEECH_RATE)


def test_only_the_newest_waiting_pause_is_transcribed():
    model = GatedTranscriber()
    partials: list[PartialTranscript] = []
    hearing = PauseTranscriber(model, on_partial=partials.append)
    hearing.paused(clip(1.0), 1)
    assert model.started.acquire(timeout=5)  # pause 1 is being transcribed
    hearing.paused(clip(2.0), 2)
    hearing.paused(clip(3.0), 3)  # pause 2 never started: it is dropped
    assert hearing.transcript_at(2, timeout=1) is None
    assert hearing.heard(3) is None  # not finished yet
    model.gate.set()
    heard = hearing.transcript_at(3)
    assert heard is not None and heard.text == "3.0 seconds."
    assert hearing.heard(3) == heard
    assert [p.text for p in partials] == ["1.0 seconds.", "3.0 seconds."]
    assert hearing.transcript_at(None) is None
    hearing.close()


def test_a_failing_pass_leaves_the_turn_to_be_transcribed_whole():
    class Broken:
        def transcribe(self, audio: Audio) -> Transcript:
            raise RuntimeError("model crashed")

    hearing = PauseTranscriber(Broken())
    hearing.paused(clip(1.0), 1)
    assert hearing.transcript_at(1) is None
    hearing.close()
