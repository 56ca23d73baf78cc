"""Chat with any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI).

Speaks `POST {base_url}/chat/completions` with `stream: true` and reads the server-sent
events. Connection failures, timeouts, 429 and 5xx answers are retried with exponential
backoff, but only before the first token: once text has reached the user a retry would
repeat it, so a mid-stream failure is reported instead.

A reply is only healthy if it is a real event stream that ends with `[DONE]` within the
timeout: an HTML page answered with 200, a stream cut short, or a server trickling bytes
past the deadline all raise LLMUnavailableError, which marks the turn degraded.
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
        timeout: the deadline in seconds for the whole reply, retries included (a silent
            server is also cut off after this long without a byte).
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
        self.timeout = timeout
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

    def check(self) -> None:
        """Raise LLMUnavailableError unless the server answers `GET /models` (readiness)."""
        try:
            self._client.get("/models", timeout=min(self.timeout, 3.0)).raise_for_status()
        except httpx.HTTPError as exc:
            raise LLMUnavailableError(
                f"the LLM server at {self.base_url} is not ready: {exc}"
            ) from exc

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
        deadline = time.monotonic() + self.timeout
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
                    kind = response.headers.get("content-type", "")
                    if "text/event-stream" not in kind:
                        raise LLMUnavailableError(
                            f"{self.base_url} answered {kind or 'no content type'} instead of "
                            "an event stream (is the URL an OpenAI-compatible /v1 root?)"
                        )
                    lines = _lines(response.iter_bytes(), deadline, self.timeout, self.base_url)
                    for chunk in _sse_text(lines, self.base_url):
                        started = True
                        yield chunk
                return
            except (_Retry, httpx.TransportError) as exc:
                if started:
                    raise LLMUnavailableError(
                        f"the stream from {self.base_url} broke off: {exc}"
                    ) from exc
                delay = self.backoff * 2**attempt
                if attempt == self.retries or time.monotonic() + delay >= deadline:
                    raise LLMUnavailableError(
                        f"cannot reach the LLM server at {self.base_url}: {exc}"
                    ) from exc
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


def _lines(pieces: Iterator[bytes], deadline: float, timeout: float, url: str) -> Iterator[str]:
    """The lines of a byte stream, checking the reply's deadline as each piece arrives (so a
    server trickling bytes without ever ending a line is still cut off)."""
    pending = b""
    for piece in pieces:
        if time.monotonic() > deadline:
            raise LLMUnavailableError(f"no complete reply from {url} within {timeout:g} s")
        pending += piece
        # A newline byte never occurs inside a multi-byte UTF-8 character: split, then decode.
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.decode("utf-8", "replace").rstrip("\r")
    if pending:
        yield pending.decode("utf-8", "replace")


def _sse_text(lines: Iterator[str], url: str) -> Iterator[str]:
    """The text deltas of an OpenAI chat-completions event stream that ends with [DONE]."""
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
    raise LLMUnavailableError(f"the stream from {url} ended without [DONE]: the reply may be cut")
