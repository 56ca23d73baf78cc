"""The contract of a chat model backend: stream a reply to a list of chat messages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class Sampling(TypedDict, total=False):
    """Sampling controls beyond temperature and max_tokens, for backends that honour them
    (a backend lists the ones it takes in `sampling_options`)."""

    top_p: float
    stop: list[str]
    seed: int
    presence_penalty: float
    frequency_penalty: float


SAMPLING_KEYS = frozenset(Sampling.__annotations__)


class ChatModel(Protocol):
    """A language model that writes the agent's reply.

    `stream` yields text chunks as they are generated and raises
    `resonant.errors.LLMUnavailableError` when the backend cannot answer.
    """

    name: str
    # Optional: a backend may set `prefers_guidance = True` (small local models) to get
    # detector-guided replies by default; see resonant.llm.guidance. It may also define
    # `check() -> None`, raising LLMUnavailableError when it cannot answer now (the
    # server's /readyz and the CLI call it); `context_window: int | None`, its context
    # size in tokens (prompts are fitted to it, see resonant.llm.budget);
    # `count_tokens(text) -> int`, its tokenizer; `reports_usage = True` when `stream`
    # accepts `usage: list[TokenUsage]` and appends the server's counts to it (when the
    # server sends them); and
    # `sampling_options: frozenset[str]`, the `Sampling` keys `stream` also accepts.

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float
    ) -> Iterator[str]: ...


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens read and written for one reply, and where the counts come from: "llm
    server" (reported by it), "tokenizer" (the backend's own) or "estimate" (no tokenizer
    at hand: about four characters a token)."""

    prompt_tokens: int
    completion_tokens: int
    source: str

    def to_dict(self) -> dict[str, int | str]:
        """The OpenAI `usage` object, with `source` added."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "source": self.source,
        }
