"""The contract of a chat model backend: stream a reply to a list of chat messages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, TypedDict


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatModel(Protocol):
    """A language model that writes the agent's reply.

    `stream` yields text chunks as they are generated and raises
    `resonant.errors.LLMUnavailableError` when the backend cannot answer.
    """

    name: str
    # Optional: a backend may set `prefers_guidance = True` (small local models) to get
    # detector-guided replies by default; see resonant.llm.guidance. It may also define
    # `check() -> None`, raising LLMUnavailableError when it cannot answer now (the
    # server's /readyz and the CLI call it).

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float
    ) -> Iterator[str]: ...
