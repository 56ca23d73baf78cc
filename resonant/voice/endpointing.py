"""Streaming voice-activity detection and endpointing for live calls.

Audio arrives in chunks of any size. The endpointer tracks the background level, decides
frame by frame (30 ms) whether someone is speaking, and reports when speech starts (for
barge-in) and when a turn ends: after `silence_ms` of quiet following real speech.

An energy detector with an adaptive noise floor is used here rather than a neural VAD
because it runs on every 30 ms frame of a live call; the neural Silero VAD shipped with
faster-whisper then checks each finished turn before it is transcribed (see `stt.py`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from resonant.audio.samples import SPEECH_RATE, Audio, FloatArray, frame_dbfs
from resonant.defaults import DEFAULT_SILENCE_MS

FRAME_MS = 30
_FRAME = SPEECH_RATE * FRAME_MS // 1000


@dataclass(frozen=True, slots=True)
class EndpointerConfig:
    """Tuning of turn-taking.

    Args:
        silence_ms: quiet after speech that ends the turn.
        min_speech_ms: voiced audio needed before it counts as speech (ignores clicks).
        preroll_ms: audio kept from before speech was detected, so first syllables survive.
        max_turn_ms: a turn is cut here even if the speaker has not paused.
        margin_db: how far above the background level a frame must be to count as voiced.
        floor_dbfs: frames quieter than this are never speech.
    """

    silence_ms: int = DEFAULT_SILENCE_MS
    min_speech_ms: int = 150
    preroll_ms: int = 300
    max_turn_ms: int = 30_000
    margin_db: float = 12.0
    floor_dbfs: float = -50.0


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The user started speaking (the moment to stop the agent's own speech)."""


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """The user finished a turn; `audio` is the whole utterance at 16 kHz."""

    audio: Audio


EndpointEvent = SpeechStarted | TurnEnded


@dataclass
class Endpointer:
    """Feed 16 kHz mono chunks; get `SpeechStarted` and `TurnEnded` events back."""

    config: EndpointerConfig = field(default_factory=EndpointerConfig)
    _pending: FloatArray = field(default_factory=lambda: np.zeros(0, np.float32))
    _preroll: deque[FloatArray] = field(default_factory=deque)
    _turn: list[FloatArray] = field(default_factory=list)
    _noise_db: float | None = None
    _voiced_run: int = 0
    _silent_run: int = 0
    _in_speech: bool = False

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
            return [self._finish()]
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
                return SpeechStarted()
            return None
        self._turn.append(frame)
        self._silent_run = 0 if voiced else self._silent_run + 1
        if (
            self._silent_run * FRAME_MS >= cfg.silence_ms
            or len(self._turn) * FRAME_MS >= cfg.max_turn_ms
        ):
            return self._finish()
        return None

    def _finish(self) -> TurnEnded:
        audio = Audio(np.concatenate(self._turn), SPEECH_RATE)
        self._turn = []
        self._in_speech = False
        self._voiced_run = 0
        return TurnEnded(audio)
