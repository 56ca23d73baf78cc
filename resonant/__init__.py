"""resonant: empathetic conversational agents.

Detector skills read emotion, its cause, VAD and crisis cues from each turn; a persona's
emotion transition model moves the agent's own VAD; per-user memories are recalled; and
an LLM (embedded SmolLM2, or any OpenAI-compatible server such as vLLM) writes the reply.
"""

from resonant.affect import VAD
from resonant.agent import AffectUpdate, Agent, ReplyChunk, TurnResult
from resonant.errors import (
    AudioInputError,
    BackendConfigError,
    InvalidTurnError,
    LLMUnavailableError,
    ResonantError,
    UnknownPersonaError,
)
from resonant.persona import Persona, load_persona
from resonant.settings import Settings
from resonant.skills import Detection, Skill, SkillInput

__version__ = "0.1.0"

__all__ = [
    "VAD",
    "AffectUpdate",
    "Agent",
    "AudioInputError",
    "BackendConfigError",
    "Detection",
    "InvalidTurnError",
    "LLMUnavailableError",
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
