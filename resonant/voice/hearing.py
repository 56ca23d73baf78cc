"""Transcribing a call while the user is still talking.

Whisper reads a fixed 30-second window, so transcribing 1 s of speech costs most of what
8 s cost (the `whole` column of benchmarks/results/pause_transcription.md): waiting for the
end of the turn and then transcribing it puts all of that after the user stops. Instead,
every time the user pauses (`Paused`, 120 ms of quiet), the speech so far is transcribed
in this thread. If the pause turns out to end the turn, its transcript is the turn's
transcript, ready or nearly ready by the time the turn ends; if the user speaks on, it
was a partial transcript, shown to the user and used to judge the next pause
(`turn_taking.py`).

Each pass transcribes only the speech since an earlier pause of the same turn, at least
MIN_FRAGMENT_SECONDS of it, with the text heard before as Whisper's prompt, and joins the
two: the cost at the end of a long turn is that of its last phrase, not of the whole turn
(measured in benchmarks/results/pause_transcription.md, word error rate beside it). Only
a pause that lasted MIN_CUT_QUIET_MS is a place to cut. A transcriber that takes no prompt
gets the whole turn every time.

Only the newest pause is worth transcribing: a pause still waiting when a newer one comes
is dropped, so a slow machine falls behind by at most one pass.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from resonant.audio.samples import Audio, prepare_speech
from resonant.voice.stt import Transcriber, Transcript

log = logging.getLogger(__name__)

# Shorter stretches are transcribed together with the one before: Whisper's voice filter
# drops speech under a quarter second, and a lone word is where it invents text.
MIN_FRAGMENT_SECONDS = 1.0

# A pause is reported after 120 ms of quiet, but gaps that short come inside words too
# (stop consonants; a starved browser filling a missed audio deadline with zeros), and
# Whisper hears a word cut in two as other words (a CI run heard "My grandmother passed
# away" as "My grand and their past way": cut after "grand", as we read it). Between
# phrases people pause longer.
MIN_CUT_QUIET_MS = 250


@dataclass(frozen=True, slots=True)
class PartialTranscript:
    """What the user has said so far in a turn that may not be over."""

    text: str


@dataclass
class _Pass:
    pause: int
    turn: int
    audio: Audio
    earlier_quiet_ms: Mapping[int, int]
    done: threading.Event
    transcript: Transcript | None = None


@dataclass(frozen=True, slots=True)
class _Heard:
    """How much of a turn's audio had been transcribed (up to pause `pause`), and as what."""

    pause: int
    samples: int
    transcript: Transcript


class PauseTranscriber:
    """Transcribes the speech so far at each pause, one pass at a time, newest first.

    Args:
        transcriber: the speech-to-text model (shared between calls: passes take turns).
        on_partial: called from this object's thread with each pass's text.
    """

    def __init__(
        self,
        transcriber: Transcriber,
        on_partial: Callable[[PartialTranscript], None] | None = None,
    ):
        self.transcriber = transcriber
        self._on_partial = on_partial
        self._lock = threading.Condition()
        self._waiting: _Pass | None = None
        self._passes: dict[int, _Pass] = {}
        self._closed = False
        self._turn = 0
        self._heard: list[_Heard] = []  # the current turn's finished passes, in order
        self._thread = threading.Thread(target=self._run, name="resonant-hearing", daemon=True)
        self._thread.start()

    def paused(
        self,
        audio: Audio,
        pause: int,
        turn: int = 0,
        earlier_quiet_ms: Mapping[int, int] | None = None,
    ) -> None:
        """The user paused (number `pause`, in turn `turn`) after saying `audio`, the turn
        so far: transcribe it. `earlier_quiet_ms`: how long the turn's earlier pauses
        lasted, by number (`Paused.earlier_quiet_ms`); without it the turn is never cut."""
        with self._lock:
            if self._waiting is not None:  # never started: a newer pause replaces it
                self._passes.pop(self._waiting.pause, None)
                self._waiting.done.set()
            self._waiting = _Pass(pause, turn, audio, earlier_quiet_ms or {}, threading.Event())
            self._passes[pause] = self._waiting
            # Older passes can no longer end a turn: the newest pause is the one in progress.
            for old in [number for number in self._passes if number < pause - 1]:
                del self._passes[old]
            self._lock.notify()

    def heard(self, pause: int) -> Transcript | None:
        """The transcript of the speech before pause `pause`, if its pass has finished."""
        with self._lock:
            found = self._passes.get(pause)
        return found.transcript if found is not None else None  # set when the pass ends

    def transcript_at(self, pause: int | None, timeout: float = 60.0) -> Transcript | None:
        """The transcript of pause `pause`, waiting for its pass if it is under way; None
        when it was never transcribed (dropped, failed, or no such pause)."""
        if pause is None:
            return None
        with self._lock:
            found = self._passes.get(pause)
        if found is None or not found.done.wait(timeout):
            return None
        return found.transcript

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._waiting is None and not self._closed:
                    self._lock.wait()
                if self._closed:
                    if self._waiting is not None:
                        self._waiting.done.set()
                    return
                job, self._waiting = self._waiting, None
            assert job is not None
            try:
                job.transcript = self._transcribe(job)
            except Exception:  # the turn is transcribed whole when it ends; errors show there
                log.debug("transcription at a pause failed", exc_info=True)
            try:
                heard = job.transcript
                # Before `done`: a partial never arrives after the turn's final transcript.
                if heard is not None and heard.heard_speech and self._on_partial is not None:
                    self._on_partial(PartialTranscript(heard.text))
            except Exception:  # a listener's failure must not stop the call's hearing
                log.exception("the partial transcript listener failed")
            finally:
                job.done.set()

    def _transcribe(self, job: _Pass) -> Transcript:
        """The turn so far: the newest earlier pass that ended in a long enough pause and
        leaves enough new speech, plus the speech since it, transcribed with the earlier
        text as the prompt."""
        if job.turn != self._turn:
            self._turn, self._heard = job.turn, []
        audio = prepare_speech(job.audio).audio
        minimum = int(MIN_FRAGMENT_SECONDS * audio.sample_rate)
        start = next(
            (
                h
                for h in reversed(self._heard)
                if len(audio.samples) - h.samples >= minimum
                and job.earlier_quiet_ms.get(h.pause, 0) >= MIN_CUT_QUIET_MS
            ),
            None,
        )
        if start is None or not getattr(self.transcriber, "takes_prompt", False):
            heard = self.transcriber.transcribe(audio)
        else:
            before = start.transcript
            rest = Audio(audio.samples[start.samples :], audio.sample_rate)
            after = self.transcriber.transcribe(rest, prompt=before.text)  # type: ignore[call-arg]
            heard = Transcript(
                f"{before.text} {after.text}".strip(),
                before.language,
                before.speech_seconds + after.speech_seconds,
            )
        self._heard.append(_Heard(job.pause, len(audio.samples), heard))
        return heard
