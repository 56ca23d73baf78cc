"""Streaming voice-activity detection and endpointing for live calls.

Audio arrives in chunks of any size. The endpointer tracks the background level, decides
frame by frame (30 ms) whether someone is speaking, and reports when speech starts (for
barge-in), when the speaker pauses (`pause_ms` of quiet: the moment to transcribe what was
said so far) and when a turn ends: after `silence_ms` of quiet following real speech, or
after as long as `silence_needed` asks for, given the pause (transcript-aware turn-taking,
see `turn_taking.py`).

An energy detector with an adaptive noise floor is used here rather than a neural VAD
because it runs on every 30 ms frame of a live call; the neural Silero VAD shipped with
faster-whisper then checks each finished turn before it is transcribed (see `stt.py`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from resonant.audio.samples import SPEECH_RATE, Audio, FloatArray, frame_dbfs
from resonant.defaults import DEFAULT_PAUSE_MS, DEFAULT_SILENCE_MS

FRAME_MS = 30
_FRAME = SPEECH_RATE * FRAME_MS // 1000


@dataclass(frozen=True, slots=True)
class EndpointerConfig:
    """Tuning of turn-taking.

    Args:
        silence_ms: quiet after speech that ends the turn (unless `Endpointer.silence_needed`
            says otherwise).
        pause_ms: quiet after speech that is reported as a `Paused` (shorter than any
            silence that ends a turn).
        min_speech_ms: voiced audio needed before it counts as speech (ignores clicks).
        preroll_ms: audio kept from before speech was detected, so first syllables survive.
        max_turn_ms: a turn is cut here even if the speaker has not paused.
        margin_db: how far above the background level a frame must be to count as voiced.
        floor_dbfs: frames quieter than this are never speech.
    """

    silence_ms: int = DEFAULT_SILENCE_MS
    pause_ms: int = DEFAULT_PAUSE_MS
    min_speech_ms: int = 150
    preroll_ms: int = 300
    max_turn_ms: int = 30_000
    margin_db: float = 12.0
    floor_dbfs: float = -50.0


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The user started speaking (the moment to stop the agent's own speech)."""


@dataclass(frozen=True, slots=True)
class Paused:
    """The user went quiet; `audio` is their turn so far (16 kHz), `pause` numbers the
    pauses of the stream (1, 2, ...) so a later event can say which one it followed, and
    `turn` the turns (1, 2, ...): pauses of one turn share its audio's beginning.
    `earlier_quiet_ms` says how long each earlier pause of the turn lasted, by number."""

    audio: Audio
    pause: int
    turn: int = 0
    earlier_quiet_ms: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """The user finished a turn; `audio` is the whole utterance at 16 kHz. `pause` is the
    `Paused` this turn ended in (no speech came after it), None when the turn was cut
    without one (too long, or the stream ended mid-word)."""

    audio: Audio
    pause: int | None = None


EndpointEvent = SpeechStarted | Paused | TurnEnded


@dataclass
class Endpointer:
    """Feed 16 kHz mono chunks; get `SpeechStarted`, `Paused` and `TurnEnded` events back.

    Args:
        silence_needed: given the number of the pause in progress, the milliseconds of
            quiet that end the turn; asked on every quiet frame after a `Paused`.
    """

    config: EndpointerConfig = field(default_factory=EndpointerConfig)
    silence_needed: Callable[[int], int] | None = None
    _pending: FloatArray = field(default_factory=lambda: np.zeros(0, np.float32))
    _preroll: deque[FloatArray] = field(default_factory=deque)
    _turn: list[FloatArray] = field(default_factory=list)
    _noise_db: float | None = None
    _voiced_run: int = 0
    _silent_run: int = 0
    _in_speech: bool = False
    _pauses: int = 0
    _turns: int = 0
    _turn_quiet_ms: dict[int, int] = field(default_factory=dict)

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def feed(self, chunk: FloatArray) -> list[EndpointEvent]:
        samples = np.concatenate([self._pending, np.asarray(chunk, dtype=np.float32)])
        whole = len(samples) // _FRAME * _FRAME
        self._pending = samples[whole:]
        events: list[EndpointEvent] = []
        frames = samples[:whole].reshape(-1, _FRAME)
        for frame, level in zip(frames, frame_dbfs(frames), strict=True):
            event = self._step(frame, float(level))
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[EndpointEvent]:
        """End of the stream: a turn still in progress ends here."""
        if self._in_speech:
            return [self._finish(self._pause_in_progress())]
        return []

    def _step(self, frame: FloatArray, level: float) -> EndpointEvent | None:
        cfg = self.config
        if self._noise_db is None:
            self._noise_db = level  # a call starts with the room, not with speech
        voiced = level > max(self._noise_db + cfg.margin_db, cfg.floor_dbfs)
        # The background estimate falls fast and rises slowly (slower still during
        # speech), so talking never drags it up but a noisier room is learned in seconds.
        rise = 0.003 if voiced else 0.05
        rate = 0.3 if level < self._noise_db else rise
        self._noise_db += rate * (level - self._noise_db)
        if not self._in_speech:
            self._preroll.append(frame)
            while len(self._preroll) * FRAME_MS > cfg.preroll_ms:
                self._preroll.popleft()
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run * FRAME_MS >= cfg.min_speech_ms:
                self._in_speech = True
                self._silent_run = 0
                self._turn = list(self._preroll)
                self._preroll.clear()
                self._turns += 1
                return SpeechStarted()
            return None
        self._turn.append(frame)
        if voiced and self._pause_in_progress() is not None:  # the user speaks on
            self._turn_quiet_ms[self._pauses] = self._silent_run * FRAME_MS
        self._silent_run = 0 if voiced else self._silent_run + 1
        quiet_ms = self._silent_run * FRAME_MS
        pause = self._pause_in_progress()
        if pause is None:
            needed = cfg.silence_ms
        elif self._silent_run == self._pause_frames():
            self._pauses += 1
            audio = Audio(np.concatenate(self._turn), SPEECH_RATE)
            return Paused(audio, self._pauses, self._turns, dict(self._turn_quiet_ms))
        else:
            needed = self.silence_needed(pause) if self.silence_needed else cfg.silence_ms
        if quiet_ms >= max(needed, cfg.pause_ms) or len(self._turn) * FRAME_MS >= cfg.max_turn_ms:
            return self._finish(pause)
        return None

    def _pause_frames(self) -> int:
        return max(1, -(-self.config.pause_ms // FRAME_MS))

    def _pause_in_progress(self) -> int | None:
        """The number of the pause this quiet stretch was reported as, if it was."""
        return self._pauses if self._silent_run >= self._pause_frames() else None

    def _finish(self, pause: int | None) -> TurnEnded:
        audio = Audio(np.concatenate(self._turn), SPEECH_RATE)
        self._turn = []
        self._turn_quiet_ms = {}
        self._in_speech = False
        self._voiced_run = 0
        self._silent_run = 0
        return TurnEnded(audio, pause)
