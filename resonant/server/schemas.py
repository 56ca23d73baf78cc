"""HTTP request bodies, validated strictly: unknown fields are a 422, not silently dropped."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_ID = Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(part.get("text", "")) for part in self.content)
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """The OpenAI Chat Completions body; the fields resonant does not use are accepted
    (OpenAI clients send them) but only these names are allowed."""

    model_config = ConfigDict(extra="forbid")

    model: str = "resonant"
    messages: list[ChatMessageIn] = Field(min_length=1)
    user: str = _ID
    stream: bool = False
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    n: int | None = Field(None, ge=1, le=1)
    stop: str | list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    stream_options: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None

    def conversation(self) -> str:
        return (self.metadata or {}).get("conversation", "default")

    def derived_request_key(self) -> str | None:
        """An idempotency key for clients that send none: a hash of the conversation and
        every message, when the messages hold earlier turns. A retry repeats them exactly,
        while a new turn's history always differs; a lone message is not keyed, since
        sending "ok" twice can be meant."""
        if len(self.messages) < 2:
            return None
        payload = json.dumps(
            [self.conversation(), [m.model_dump() for m in self.messages]], sort_keys=True
        )
        return "derived-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]


class TurnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = _ID
    text: str
    conversation: str = Field("default", min_length=1, max_length=128)
