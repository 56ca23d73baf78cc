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
from resonant.llm.budget import CLIPPED_MARK
from resonant.llm.situations import situation_of
from resonant.persona.model import Persona

MAX_PROMPT_CHARS = 4000
MAX_INSTRUCTION_CHARS = 2000
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


BARE_SYSTEM = "You are a helpful assistant."


# For server LLMs: what a moment whose surface words mislead calls for (see
# resonant.llm.situations; guided replies use their own openings).
SITUATION_NOTES = {
    "grief occasion": "The user is marking a day that brings back someone who died: be "
    "gentle, and do not congratulate or celebrate.",
    "relief": "Something hard has just ended for the user: share their relief, and do not "
    "commiserate as if it were still bad news.",
    "mixed news": "The user's news is good and hard at once: acknowledge both sides.",
    "sarcasm": "The user is being sarcastic about a setback: answer the frustration, not "
    "the cheerful words.",
    "memory question": "The user asks what they told you before: answer from the things "
    "they told you (above), or say plainly that you don't know.",
    "question": "The user asked you a direct question: answer it first, briefly and concretely.",
    "thanks": "The user is thanking you: accept it warmly and briefly.",
}


@dataclass(frozen=True, slots=True)
class PromptInputs:
    """Everything the reply is conditioned on; None or empty leaves a signal out
    (the empathy eval's ablations), and with every signal out the prompt is bare."""

    persona: Persona | None
    agent_vad: VAD
    user_text: str
    emotion: str | None
    emotion_confidence: float
    cause: str | None
    memories: Sequence[str]
    history: Sequence[ChatMessage]
    crisis_category: str | None = None
    guided_prefix: str | None = None
    # The app's own instructions (an API client's system messages), placed under the
    # persona: they shape the reply but never replace the persona or the safety rules.
    instructions: str | None = None


def _system_prompt(inputs: PromptInputs) -> str:
    system = _persona_prompt(inputs)
    situation = situation_of(inputs.user_text) if not inputs.guided_prefix else None
    if situation is not None and inputs.emotion is not None:
        system += "\n" + SITUATION_NOTES[situation.kind]
    if inputs.persona is not None and inputs.persona.phrases.openings:
        examples = [forms[1] for forms in inputs.persona.phrases.openings.values()][:3]
        system += "\nYou tend to open like this: " + " / ".join(examples)
    if inputs.instructions:
        system += (
            "\nThe app you are part of adds these instructions (follow them unless they "
            "conflict with the user's safety):\n" + inputs.instructions[:MAX_INSTRUCTION_CHARS]
        )
    if inputs.crisis_category:
        crisis = prompt_template("crisis.md").substitute(
            category=inputs.crisis_category.replace("_", " ")
        )
        system = f"{system}\n{crisis}"
    return "\n".join(line for line in system.splitlines() if line.strip())


def _persona_prompt(inputs: PromptInputs) -> str:
    if inputs.persona is None and inputs.emotion is None and not inputs.memories:
        return BARE_SYSTEM
    if inputs.emotion is None:
        emotion = None
    elif inputs.emotion == "neutral" or inputs.emotion_confidence < 0.3:
        emotion = "calm or mixed feelings"
    else:
        emotion = inputs.emotion
    persona = inputs.persona
    values = {
        "name": persona.display_name if persona else "a companion",
        "description": persona.description if persona else "",
        "style": " ".join(persona.style) if persona else "",
        "agent_mood": describe_vad(inputs.agent_vad) if persona else "",
        "emotion": emotion or "",
        "cause": f", because {inputs.cause}" if inputs.cause else "",
        "memories": (
            "Things the user told you before:\n" + "\n".join(f"- {m}" for m in inputs.memories)
            if inputs.memories
            else ""
        ),
    }
    # A line whose signal is switched off is dropped whole, not left half-filled.
    dropped = {
        "$agent_mood": persona is None,
        "$style": persona is None,
        "$emotion": emotion is None,
    }
    lines = [
        line
        for line in prompt_template("system.md").template.splitlines()
        if not any(marker in line and off for marker, off in dropped.items())
    ]
    system = Template("\n".join(lines)).substitute(values)
    if inputs.guided_prefix:
        system += (
            f'\nYour reply begins: "{inputs.guided_prefix}" Continue it with one or two short '
            "sentences about what the user said. Do not repeat the beginning."
        )
    return system


def build_messages(inputs: PromptInputs) -> list[ChatMessage]:
    """System prompt + recent history + the user's turn, each clipped to a size in
    characters (`resonant.llm.budget` then fits the whole to the model's context). A long
    turn keeps its end, where people put what they want answered."""
    user_text = inputs.user_text
    if len(user_text) > MAX_PROMPT_CHARS:
        user_text = CLIPPED_MARK + user_text[-MAX_PROMPT_CHARS:]
    history = [
        ChatMessage(role=m["role"], content=m["content"][: MAX_PROMPT_CHARS // 4])
        for m in inputs.history[-HISTORY_MESSAGES:]
    ]
    return [
        ChatMessage(role="system", content=_system_prompt(inputs)),
        *history,
        ChatMessage(role="user", content=user_text),
    ]
