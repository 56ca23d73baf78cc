"""The run-time dependencies of the graph's nodes, passed as LangGraph's runtime context.

Nodes reach the skills, the LLM, the memory store and the persona only through this
object, never through globals, so one process can run many differently-configured agents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from resonant.defaults import DEFAULT_RECALL_K
from resonant.llm.base import ChatModel, Sampling
from resonant.memory.store import MemoryStore
from resonant.persona.model import Persona
from resonant.skills.base import Skill


@dataclass(frozen=True)
class Conditioning:
    """Which signals the reply is conditioned on; switching them off is how the empathy
    eval measures what each one adds (the ablation ladder in `ABLATIONS`).

    `guided` turns on detector-guided generation (resonant.llm.guidance); None means
    "when the LLM asks for it", which small local models do.
    """

    emotion: bool = True
    cause: bool = True
    memory: bool = True
    persona: bool = True
    guided: bool | None = None

    @property
    def bare(self) -> bool:
        return not (self.emotion or self.cause or self.memory or self.persona)


ABLATIONS: dict[str, Conditioning] = {
    "bare": Conditioning(emotion=False, cause=False, memory=False, persona=False, guided=False),
    "+emotion": Conditioning(cause=False, memory=False, persona=False),
    "+cause": Conditioning(memory=False, persona=False),
    "+memory": Conditioning(persona=False),
    "full": Conditioning(),
}


@dataclass(frozen=True)
class AgentContext:
    skills: Sequence[Skill]
    llm: ChatModel
    store: MemoryStore
    persona: Persona
    recall_k: int = DEFAULT_RECALL_K
    max_reply_tokens: int = 160
    temperature: float = 0.7
    conditioning: Conditioning = Conditioning()
    # Set per turn: an app's own instructions for the reply (see PromptInputs), and
    # sampling controls for the LLM beyond temperature and max_tokens.
    instructions: str | None = None
    sampling: Sampling = field(default_factory=lambda: Sampling())
    # Set per turn for spoken input (PCM16 mono); per-invocation context, so raw audio
    # reaches the skills without ever being written into a checkpoint.
    audio: bytes | None = None
    sample_rate: int | None = None
