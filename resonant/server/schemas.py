"""HTTP request bodies, validated strictly: unknown fields are a 422, not silently dropped."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from resonant.llm.base import ChatMessage, Sampling

_ID = Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
_OPTIONAL_ID = Field(None, min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(part.get("text", "")) for part in self.content)
        return self.content or ""


# Chat Completions features resonant does not offer: a request that sets one gets a 400
# naming it, never a reply that silently ignores it.
UNSUPPORTED = {
    "tools": "tool calls are not supported: resonant writes the reply itself",
    "tool_choice": "tool calls are not supported",
    "functions": "function calls are not supported",
    "function_call": "function calls are not supported",
    "logprobs": "log probabilities are not available",
    "top_logprobs": "log probabilities are not available",
    "audio": "audio output is not available here; use the voice endpoints",
    "modalities": "only text output is available here",
    # Token ids mean nothing across backends and the guided replies' own words.
    "logit_bias": "logit_bias cannot be passed to the LLM backends",
}


class ChatCompletionRequest(BaseModel):
    """The OpenAI Chat Completions body; the fields resonant does not use are accepted
    (OpenAI clients send them) but only these names are allowed.

    The end user is `user`, else `safety_identifier`, else `metadata.user`; with none, the
    key's own default user (see `resonant.server.app`). The conversation is
    `metadata.conversation` ("default" without it). The client's system and developer
    messages become instructions under the persona; its earlier turns seed a conversation
    that has no state yet (see `Agent.stream`)."""

    model_config = ConfigDict(extra="forbid")

    model: str = "resonant"
    messages: list[ChatMessageIn] = Field(min_length=1)
    user: str | None = _OPTIONAL_ID
    safety_identifier: str | None = _OPTIONAL_ID
    tools: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    functions: list[dict[str, Any]] | None = None
    function_call: Any = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    audio: dict[str, Any] | None = None
    modalities: list[str] | None = None
    store: bool | None = None
    service_tier: str | None = None
    reasoning_effort: str | None = None
    logit_bias: dict[str, float] | None = None
    stream: bool = False
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    max_tokens: int | None = Field(None, ge=1, le=4096)
    max_completion_tokens: int | None = Field(None, ge=1, le=4096)
    n: int | None = Field(None, ge=1, le=1)
    stop: str | list[str] | None = None
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    seed: int | None = None
    stream_options: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None

    def split_messages(self) -> tuple[str | None, list[ChatMessage], str]:
        """(instructions, history, text): the client's system and developer messages
        joined, its earlier user and assistant turns, and its last user message.

        Raises:
            ValueError: no user message, a tool message, or messages after the last user
                message (an assistant prefill): nothing is silently dropped.
        """
        last = max((i for i, m in enumerate(self.messages) if m.role == "user"), default=None)
        if last is None:
            raise ValueError("messages must contain a user message")
        if last != len(self.messages) - 1:
            raise ValueError(
                "the last message must be the user's: replies cannot continue an assistant "
                "message (prefill)"
            )
        if any(m.role == "tool" for m in self.messages):
            raise ValueError("tool messages are not supported: resonant calls no tools")
        instructions = "\n".join(
            m.text() for m in self.messages if m.role in ("system", "developer") and m.text()
        )
        history: list[ChatMessage] = [
            {"role": "user" if m.role == "user" else "assistant", "content": m.text()}
            for m in self.messages[:last]
            if m.role in ("user", "assistant") and m.text()
        ]
        return instructions or None, history, self.messages[last].text()

    def sampling(self) -> Sampling:
        """The sampling controls set beyond temperature and max_tokens (passed to the LLM
        backend when it takes them; a 400 naming the first one it does not)."""
        chosen: dict[str, Any] = {
            name: getattr(self, name)
            for name in ("top_p", "seed", "presence_penalty", "frequency_penalty")
            if getattr(self, name) is not None
        }
        if self.stop:
            chosen["stop"] = [self.stop] if isinstance(self.stop, str) else list(self.stop)
        return Sampling(**chosen)  # type: ignore[typeddict-item]

    def include_usage(self) -> bool:
        return bool((self.stream_options or {}).get("include_usage"))

    def conversation(self) -> str:
        return (self.metadata or {}).get("conversation", "default")

    def reply_tokens(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    def end_user(self) -> str | None:
        return self.user or self.safety_identifier or (self.metadata or {}).get("user")

    def unsupported(self) -> tuple[str, str] | None:
        """(parameter, why) for the first feature set that resonant does not offer."""
        for name, why in UNSUPPORTED.items():
            value = getattr(self, name)
            if not (value is None or value is False or value == []):
                return name, why
        if self.response_format and self.response_format.get("type", "text") != "text":
            return "response_format", "only text replies are available (no JSON mode)"
        return None

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
