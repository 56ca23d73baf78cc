"""Voice fixtures: the real packaged models, loaded once; speech made by the tests
themselves with Piper (or espeak-ng)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

pytest.importorskip("faster_whisper", reason="needs the voice extra")
pytest.importorskip("piper", reason="needs the voice extra")

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.voice.delivery import Delivery
from resonant.voice.tts import PiperSynthesizer

Speak = Callable[..., Audio]


@pytest.fixture(scope="session")
def speak(piper: PiperSynthesizer) -> Speak:
    """Text -> 16 kHz speech, optionally with silence around it (seconds)."""

    def make(text: str, *, before: float = 0.0, after: float = 0.0, rate: float = 1.0) -> Audio:
        speech = piper.synthesize(text, Delivery(rate=rate)).resampled(SPEECH_RATE).samples
        pad = [np.zeros(int(s * SPEECH_RATE), np.float32) for s in (before, after)]
        return Audio(np.concatenate([pad[0], speech, pad[1]]), SPEECH_RATE)

    return make


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def silence(seconds: float) -> Audio:
    return Audio(np.zeros(int(seconds * SPEECH_RATE), np.float32), SPEECH_RATE)


def noise(seconds: float, level: float = 0.05, seed: int = 0) -> Audio:
    rng = np.random.default_rng(seed)
    return Audio(
        (rng.standard_normal(int(seconds * SPEECH_RATE)) * level).astype(np.float32), SPEECH_RATE
    )
