"""Building the LLM's messages from the persona, the affect state and recalled memories.

The wording lives in package data files (`prompts/*.md`) so it can be read and edited
without touching code. Small models follow short, concrete prompts best, so the system
prompt states each signal in one plain sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

from resonant.affect import VAD
from resonant.llm.base import ChatMessage
from resonant.persona.model import Persona

MAX_PROMPT_CHARS = 4000
HISTORY_MESSAGES = 6


@cache
def prompt_template(name: str) -> Template:
    text = resources.files("resonant.llm").joinpath("prompts", name).read_text(encoding="utf-8")
    return Template(text.strip())


def describe_vad(vad: VAD) -> str:
    """Plain words for a VAD point, which small models understand better than numbers."""

    def pick(value: float, low: str, mid: str, high: str) -> str:
        return low if value < -0.2 else high if value > 0.2 else mid

    return ", ".join(
        (
            pick(vad.v, "soft and serious", "kind", "warm and bright"),
            pick(vad.a, "calm", "attentive", "lively"),
            pick(vad.d, "humble", "steady", "reassuring"),
        )
    )


@dataclass(frozen=True, slots=True)
class PromptInputs:
    """Everything the reply is conditioned on."""

    persona: Persona
    agent_vad: VAD
    user_text: str
    emotion: str
    emotion_confidence: float
    cause: str | None
    memories: Sequence[str]
    history: Sequence[ChatMessage]
    crisis_category: str | None = None


def build_messages(inputs: PromptInputs) -> list[ChatMessage]:
    """System prompt + recent history + the user's turn, clipped to the prompt budget."""
    if inputs.emotion == "neutral" or inputs.emotion_confidence < 0.3:
        emotion = "calm or mixed feelings"
    else:
        emotion = inputs.emotion
    memories = (
        "Things the user told you before:\n" + "\n".join(f"- {m}" for m in inputs.memories)
        if inputs.memories
        else ""
    )
    system = prompt_template("system.md").substitute(
        name=inputs.persona.display_name,
        description=inputs.persona.description,
        style=" ".join(inputs.persona.style),
        agent_mood=describe_vad(inputs.agent_vad),
        emotion=emotion,
        cause=f", because {inputs.cause}" if inputs.cause else "",
        memories=memories,
    )
    if inputs.crisis_category:
        crisis = prompt_template("crisis.md").substitute(
            category=inputs.crisis_category.replace("_", " ")
        )
        system = f"{system}\n{crisis}"
    system = "\n".join(line for line in system.splitlines() if line.strip())
    user_text = inputs.user_text[:MAX_PROMPT_CHARS]
    history = [
        ChatMessage(role=m["role"], content=m["content"][: MAX_PROMPT_CHARS // 4])
        for m in inputs.history[-HISTORY_MESSAGES:]
    ]
    return [
        ChatMessage(role="system", content=system),
        *history,
        ChatMessage(role="user", content=user_text),
    ]
