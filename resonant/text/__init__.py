"""Text utilities every layer may use: language identification (more to move here)."""

from resonant.text.language import detect_language

__all__ = ["detect_language"]
