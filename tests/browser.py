"""Headless Chromium for the browser tests: Debian's binary, flags for a closed network,
and a fake microphone that says a given turn."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from resonant.audio.samples import SPEECH_RATE, Audio

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Closed network: keep Chromium from phoning home (each refused call costs time).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def fake_microphone(folder: Path, speech: Audio, *, before: float, after: float) -> tuple[str, ...]:
    """Chromium flags whose microphone plays `speech` with `before`/`after` seconds of
    quiet around it, looping as Chromium does."""
    mic = folder / "mic.wav"
    quiet = [np.zeros(int(SPEECH_RATE * seconds), np.float32) for seconds in (before, after)]
    Audio(np.concatenate([quiet[0], speech.resampled(SPEECH_RATE).samples, quiet[1]]),
          SPEECH_RATE).write_wav(mic)  # fmt: skip
    return (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={mic}",
    )


def one_core_whisper() -> Any:
    """Whisper on one thread. The browser under test shares this machine's two cores, and
    a starved Chromium drops microphone audio: a Whisper pass on both cores while the fake
    microphone spoke cost whole words of the turn ("I miss her" heard as "I'm smith")."""
    from resonant.voice.stt import WhisperTranscriber

    return WhisperTranscriber(cpu_threads=1)
