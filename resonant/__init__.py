"""resonant: empathetic conversational agents.

Detector skills read emotion, its cause, VAD and crisis cues from each turn; a persona's
emotion transition model moves the agent's own VAD; per-user memories are recalled; and
an LLM (embedded SmolLM2, or any OpenAI-compatible server such as vLLM) writes the reply.

The names below load on first use, so importing one layer (`resonant.text`,
`resonant.llm`) does not load the agent and its models.
"""

from __future__ import annotations

import typing as _typing
from importlib import import_module as _import_module

if _typing.TYPE_CHECKING:
    from resonant.affect import VAD
    from resonant.agent import AffectUpdate, Agent, ReplyChunk, TurnResult
    from resonant.errors import (
        AudioInputError,
        BackendConfigError,
        InvalidTurnError,
        LLMUnavailableError,
        MissingExtraError,
        ResonantError,
        UnknownPersonaError,
    )
    from resonant.persona import Persona, load_persona
    from resonant.settings import Settings
    from resonant.skills import Detection, Skill, SkillInput

__version__ = "0.2.0"

_EXPORTS = {
    "VAD": "resonant.affect",
    "AffectUpdate": "resonant.agent",
    "Agent": "resonant.agent",
    "ReplyChunk": "resonant.agent",
    "TurnResult": "resonant.agent",
    "AudioInputError": "resonant.errors",
    "BackendConfigError": "resonant.errors",
    "InvalidTurnError": "resonant.errors",
    "LLMUnavailableError": "resonant.errors",
    "MissingExtraError": "resonant.errors",
    "ResonantError": "resonant.errors",
    "UnknownPersonaError": "resonant.errors",
    "Persona": "resonant.persona",
    "load_persona": "resonant.persona",
    "Settings": "resonant.settings",
    "Detection": "resonant.skills",
    "Skill": "resonant.skills",
    "SkillInput": "resonant.skills",
}
__all__ = [
    "VAD",
    "AffectUpdate",
    "Agent",
    "AudioInputError",
    "BackendConfigError",
    "Detection",
    "InvalidTurnError",
    "LLMUnavailableError",
    "MissingExtraError",
    "Persona",
    "ReplyChunk",
    "ResonantError",
    "Settings",
    "Skill",
    "SkillInput",
    "TurnResult",
    "UnknownPersonaError",
    "load_persona",
]


def __getattr__(name: str) -> _typing.Any:
    if name in _EXPORTS:
        value = getattr(_import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'resonant' has no attribute {name!r}")
