"""How the agent's current feeling (its VAD) changes the way it speaks.

Mapped from the speech-emotion literature in the direction that listeners read it:
higher arousal is faster, higher and louder speech; positive valence raises pitch a
little; dominance is slower, lower and louder (a steady, reassuring voice). Ranges are
kept small so every persona stays natural and intelligible.
"""

from __future__ import annotations

from dataclasses import dataclass

from resonant.affect import VAD


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True, slots=True)
class Delivery:
    """Speaking rate (1 = the voice's normal), pitch shift in semitones, volume (1 = normal)."""

    rate: float = 1.0
    pitch_semitones: float = 0.0
    volume: float = 1.0

    @classmethod
    def from_vad(cls, vad: VAD) -> Delivery:
        return cls(
            rate=_clamp(1.0 + 0.15 * vad.a - 0.05 * vad.d, 0.8, 1.2),
            pitch_semitones=_clamp(1.5 * vad.a + 1.0 * vad.v - 0.8 * vad.d, -2.0, 2.0),
            volume=_clamp(1.0 + 0.15 * vad.a + 0.1 * vad.d, 0.8, 1.2),
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "rate": round(self.rate, 3),
            "pitch_semitones": round(self.pitch_semitones, 3),
            "volume": round(self.volume, 3),
        }
