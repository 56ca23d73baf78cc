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

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float
    ) -> Iterator[str]: ...
