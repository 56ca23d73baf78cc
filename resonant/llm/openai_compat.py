"""Chat with any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI).

Speaks `POST {base_url}/chat/completions` with `stream: true` and reads the server-sent
events. Connection failures, timeouts, 429 and 5xx answers are retried with exponential
backoff, but only before the first token: once text has reached the user a retry would
repeat it, so a mid-stream failure is reported instead.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence

import httpx

from resonant.errors import LLMUnavailableError
from resonant.llm.base import ChatMessage

log = logging.getLogger(__name__)

_RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class OpenAIChatModel:
    """Client for an OpenAI-compatible Chat Completions endpoint.

    Args:
        base_url: the API root, e.g. ``http://localhost:8000/v1``.
        model: the served model name; None asks the server (`GET /models`) on first use.
        api_key: sent as a bearer token when given.
        timeout: seconds to wait for a connection and for each chunk.
        retries: extra attempts before the first token.
    """

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
    ):
        self.base_url = base_url.rstrip("/")
        self.name = f"openai:{self.base_url}"
        self.model = model
        self.retries = retries
        self.backoff = backoff
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        )

    def _served_model(self) -> str:
        if self.model is None:
            try:
                response = self._client.get("/models")
                response.raise_for_status()
                self.model = str(response.json()["data"][0]["id"])
            except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
                raise LLMUnavailableError(
                    f"cannot list models at {self.base_url}: {exc}; pass the model name explicitly"
                ) from exc
        return self.model

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.7
    ) -> Iterator[str]:
        payload = {
            "model": self._served_model(),
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        for attempt in range(self.retries + 1):
            started = False
            try:
                with self._client.stream("POST", "/chat/completions", json=payload) as response:
                    if response.status_code in _RETRYABLE_STATUS and attempt < self.retries:
                        raise _Retry(f"HTTP {response.status_code}")
                    if response.status_code >= 400:
                        response.read()
                        raise LLMUnavailableError(
                            f"{self.base_url} answered HTTP {response.status_code}: "
                            f"{response.text[:200]}"
                        )
                    for chunk in _sse_text(response.iter_lines()):
                        started = True
                        yield chunk
                return
            except (_Retry, httpx.TransportError) as exc:
                if started:
                    raise LLMUnavailableError(
                        f"the stream from {self.base_url} broke off: {exc}"
                    ) from exc
                if attempt == self.retries:
                    raise LLMUnavailableError(
                        f"cannot reach the LLM server at {self.base_url}: {exc}"
                    ) from exc
                delay = self.backoff * 2**attempt
                log.warning("LLM request failed (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OpenAIChatModel:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class _Retry(Exception):
    """An answer worth another attempt."""


def _sse_text(lines: Iterator[str]) -> Iterator[str]:
    """The text deltas of an OpenAI chat-completions event stream."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except json.JSONDecodeError as exc:
            raise LLMUnavailableError(f"malformed event from the LLM server: {data[:100]}") from exc
        if "error" in event:
            raise LLMUnavailableError(f"the LLM server reported an error: {event['error']}")
        for choice in event.get("choices", []):
            text = (choice.get("delta") or {}).get("content")
            if text:
                yield text
