"""Personas: who the agent is, as a validated YAML file.

A persona carries the agent's name, how it speaks, its Big Five traits (each on [0, 1])
and its baseline VAD, the mood it returns to when nothing is happening. The traits drive
the emotion transition model (`resonant.persona.transition`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class Phrases(BaseModel):
    """A persona's own wording for guided replies (`resonant.llm.guidance`), each entry
    replacing the default for one label: an emotion (sadness, joy, anger, fear, surprise,
    disgust, neutral, negative, positive) or a moment (grief occasion, relief, mixed news,
    sarcasm, memory question, question).

    `openings` map a label to two sentences: one with `{cause}` (the user's words, in the
    second person) and one without. `model_sentences` is how many of the model's own
    sentences a guided reply keeps (its register: terse or expansive)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    openings: dict[str, list[str]] = Field(default_factory=dict)
    follow_ups: dict[str, str] = Field(default_factory=dict)
    model_sentences: int | None = Field(None, ge=0, le=3)

    @field_validator("openings")
    @classmethod
    def _two_forms(cls, openings: dict[str, list[str]]) -> dict[str, list[str]]:
        for label, forms in openings.items():
            if len(forms) != 2 or "{cause}" not in forms[0] or "{" in forms[1]:
                raise ValueError(
                    f"openings.{label}: give two sentences, the first with {{cause}}, "
                    "the second without"
                )
        return openings

    def opening_pairs(self) -> dict[str, tuple[str, str]]:
        return {label: (forms[0], forms[1]) for label, forms in self.openings.items()}


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
    phrases: Phrases = Phrases()

    @property
    def baseline_vad(self) -> VAD:
        return VAD(self.baseline.v, self.baseline.a, self.baseline.d)
