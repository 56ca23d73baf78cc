"""Personas: who the agent is, as a validated YAML file.

A persona carries the agent's name, how it speaks, its Big Five traits (each on [0, 1])
and its baseline VAD, the mood it returns to when nothing is happening. The traits drive
the emotion transition model (`resonant.persona.transition`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from resonant.affect import VAD


class BigFive(BaseModel):
    """OCEAN traits, each on [0, 1] (0.5 = population average)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    openness: float = Field(0.5, ge=0.0, le=1.0)
    conscientiousness: float = Field(0.5, ge=0.0, le=1.0)
    extraversion: float = Field(0.5, ge=0.0, le=1.0)
    agreeableness: float = Field(0.5, ge=0.0, le=1.0)
    neuroticism: float = Field(0.5, ge=0.0, le=1.0)


class BaselineVAD(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: float = Field(0.0, ge=-1.0, le=1.0)
    a: float = Field(0.0, ge=-1.0, le=1.0)
    d: float = Field(0.0, ge=-1.0, le=1.0)


class Persona(BaseModel):
    """An agent persona as read from YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    display_name: str
    description: str
    style: list[str] = Field(default_factory=list, description="How the persona speaks.")
    voice: str | None = Field(None, description="A TTS voice hint for voice mode.")
    traits: BigFive = BigFive()
    baseline: BaselineVAD = BaselineVAD()

    @property
    def baseline_vad(self) -> VAD:
        return VAD(self.baseline.v, self.baseline.a, self.baseline.d)
