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


class PromptedTranscriber:
    """Says how long each clip is and what it was prompted with; takes prompts."""

    takes_prompt = True

    def __init__(self) -> None:
        self.calls: list[tuple[float, str | None]] = []

    def transcribe(self, audio: Audio, *, prompt: str | None = None) -> Transcript:
        self.calls.append((round(audio.seconds, 1), prompt))
        return Transcript(f"[{audio.seconds:.1f}]", "en", audio.seconds)


def test_a_pause_transcribes_only_the_speech_since_an_earlier_pause_of_the_turn():
    model = PromptedTranscriber()
    hearing = PauseTranscriber(model)

    def pause(seconds: float, number: int, turn: int, earlier: dict[int, int]) -> str | None:
        hearing.paused(clip(seconds), number, turn, earlier)
        heard = hearing.transcript_at(number)
        return heard.text if heard else None

    assert pause(1.0, 1, turn=1, earlier={}) == "[1.0]"
    # 0.5 s since the last pause is too little to transcribe alone: the whole turn again.
    assert pause(1.5, 2, turn=1, earlier={1: 400}) == "[1.5]"
    # 1.5 s since then: only that, prompted with the text before it, and joined to it.
    assert pause(3.0, 3, turn=1, earlier={1: 400, 2: 300}) == "[1.5] [1.5]"
    # A new turn starts from its own beginning.
    assert pause(2.0, 4, turn=2, earlier={}) == "[2.0]"
    assert model.calls == [(1.0, None), (1.5, None), (1.5, "[1.5]"), (2.0, None)]
    hearing.close()


def test_a_turn_is_not_cut_where_the_quiet_was_too_short_to_be_between_words():
    model = PromptedTranscriber()
    hearing = PauseTranscriber(model)
    for number, seconds in enumerate([1.2, 2.5, 4.0], start=1):
        # Pause 1 lasted 150 ms (a dropout, or a stop inside a word); pause 2, 300 ms.
        hearing.paused(clip(seconds), number, 1, {1: 150, 2: 300})
        hearing.transcript_at(number)
    # Pause 2 is heard whole (pause 1 is no place to cut); pause 3 from pause 2 on.
    assert model.calls == [(1.2, None), (2.5, None), (1.5, "[2.5]")]
    # Without pause lengths (a caller that has none), nothing is cut.
    hearing.paused(clip(2.5), 4, 2)
    hearing.transcript_at(4)
    hearing.paused(clip(4.0), 5, 2)
    hearing.transcript_at(5)
    assert model.calls[3:] == [(2.5, None), (4.0, None)]
    hearing.close()
