"""Personas and the personality-affected emotion transition of the agent."""

from resonant.defaults import DEFAULT_PERSONA
from resonant.persona.loader import builtin_persona_names, load_persona
from resonant.persona.model import BigFive, Persona
from resonant.persona.transition import TransitionParams, next_agent_vad

__all__ = [
    "DEFAULT_PERSONA",
    "BigFive",
    "Persona",
    "TransitionParams",
    "builtin_persona_names",
    "load_persona",
    "next_agent_vad",
]
