"""Chat with any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI), through
the official `openai` SDK.

The SDK retries connection failures, timeouts, 429 and 5xx answers (respecting
Retry-After) before the response starts; once text has reached the user a retry would
repeat it, so a failure mid-stream is reported instead.

A reply is only healthy if it is a real event stream whose last choice says why it
finished (`finish_reason`) within the timeout: an HTML page answered with 200, a stream
cut short, or a server trickling bytes past the deadline all raise LLMUnavailableError,
which marks the turn degraded. The deadline covers the whole reply, retries included: it
is checked as each piece of bytes arrives (a transport under the SDK's HTTP client), so
a server that never finishes an event is still cut off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any, cast

import httpx2  # the openai SDK's HTTP client
import openai

from resonant.defaults import DEFAULT_LLM_TIMEOUT_S
from resonant.errors import LLMUnavailableError
from resonant.llm.base import SAMPLING_KEYS, ChatMessage, Sampling, TokenUsage

log = logging.getLogger(__name__)

# Carries a request's deadline (monotonic seconds) to the transport, which removes it
# before the request leaves this process.
_DEADLINE_HEADER = "x-resonant-deadline"


class OpenAIChatModel:
    """Client for an OpenAI-compatible Chat Completions endpoint (every `Sampling` control
    is passed on).

    Args:
        base_url: the API root, e.g. ``http://localhost:8000/v1``.
        model: the served model name; None asks the server (`GET /models`) on first use.
        api_key: sent as a bearer token when given.
        timeout: the deadline in seconds for the whole reply, retries included (a silent
            server is also cut off after this long without a byte).
        retries: extra attempts before the first token (the SDK's backoff between them).
    """

    reports_usage = True
    sampling_options = SAMPLING_KEYS

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = DEFAULT_LLM_TIMEOUT_S,
        retries: int = 2,
    ):
        self.base_url = base_url.rstrip("/")
        self.name = f"openai:{self.base_url}"
        self.model = model
        self.timeout = timeout
        # The model's context size in tokens, where the server reports it (vLLM does).
        self.context_window: int | None = None
        self._listed = False
        self._http = httpx2.Client(transport=_DeadlineTransport(httpx2.HTTPTransport()))
        self._client = openai.OpenAI(
            base_url=self.base_url,
            # The SDK insists on a key; servers without auth ignore the placeholder.
            api_key=api_key or "not-needed",
            timeout=httpx2.Timeout(timeout, connect=min(timeout, 5.0)),
            max_retries=retries,
            http_client=self._http,
        )

    def _served_model(self) -> str:
        """The model to ask for; the first call also reads the server's model list for
        the model's context size (and for its name, when none was given)."""
        if not self._listed:
            try:
                self._read_models(self._client.models.list().data)
            except (openai.OpenAIError, IndexError) as exc:
                if self.model is None:
                    raise LLMUnavailableError(
                        f"cannot list models at {self.base_url}: {exc}; "
                        "pass the model name explicitly"
                    ) from exc
        if self.model is None:
            raise LLMUnavailableError(f"{self.base_url} lists no models")
        return self.model

    def _read_models(self, models: Sequence[Any]) -> None:
        self._listed = True
        if self.model is None and models:
            self.model = models[0].id
        for entry in models:
            if entry.id == self.model:
                self.context_window = _context_window(entry)

    def check(self) -> None:
        """Raise LLMUnavailableError unless the server answers `GET /models` (readiness)."""
        try:
            served = self._client.with_options(timeout=min(self.timeout, 3.0), max_retries=0)
            self._read_models(served.models.list().data)
        except openai.OpenAIError as exc:
            raise LLMUnavailableError(
                f"the LLM server at {self.base_url} is not ready: {exc}"
            ) from exc

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.7,
        usage: list[TokenUsage] | None = None,
        **sampling: Any,
    ) -> Iterator[str]:
        """The reply's text as it arrives. When `usage` is given, the server's token
        counts are appended to it once the reply is complete (if the server reports them)."""
        deadline = time.monotonic() + self.timeout
        try:
            chunks = self._client.chat.completions.create(
                model=self._served_model(),
                messages=cast(Any, list(messages)),
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
                stream_options={"include_usage": True},
                extra_headers={_DEADLINE_HEADER: repr(deadline)},
                **_checked(sampling),
            )
        except openai.APIStatusError as exc:
            raise LLMUnavailableError(
                f"{self.base_url} answered HTTP {exc.status_code}: {_brief(exc)}"
            ) from exc
        except openai.APIConnectionError as exc:
            raise LLMUnavailableError(
                f"cannot reach the LLM server at {self.base_url}: {exc}"
            ) from exc
        finished = False
        with chunks:
            kind = chunks.response.headers.get("content-type", "")
            if "text/event-stream" not in kind:
                raise LLMUnavailableError(
                    f"{self.base_url} answered {kind or 'no content type'} instead of an event "
                    "stream (is the URL an OpenAI-compatible /v1 root?)"
                )
            try:
                for chunk in chunks:
                    if chunk.usage is not None and usage is not None:
                        usage.append(
                            TokenUsage(
                                chunk.usage.prompt_tokens,
                                chunk.usage.completion_tokens,
                                "llm server",
                            )
                        )
                    for choice in chunk.choices:
                        if choice.delta and choice.delta.content:
                            yield choice.delta.content
                        finished = finished or choice.finish_reason is not None
            except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
                # ValueError: an event that is not JSON.
                if time.monotonic() > deadline:
                    raise LLMUnavailableError(
                        f"no complete reply from {self.base_url} within {self.timeout:g} s"
                    ) from exc
                raise LLMUnavailableError(
                    f"the stream from {self.base_url} broke off: {exc}"
                ) from exc
        if not finished:
            raise LLMUnavailableError(
                f"the stream from {self.base_url} ended before the reply was finished "
                "(no finish_reason): the reply may be cut"
            )

    def close(self) -> None:
        self._client.close()
        self._http.close()

    def __enter__(self) -> OpenAIChatModel:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _checked(sampling: dict[str, Any]) -> Sampling:
    unknown = set(sampling) - SAMPLING_KEYS
    if unknown:
        raise TypeError(f"unknown sampling options: {', '.join(sorted(unknown))}")
    return Sampling(**sampling)  # type: ignore[typeddict-item]


def _context_window(model: Any) -> int | None:
    """The context size a server reports for a model (vLLM: `max_model_len`), if any."""
    extra = getattr(model, "model_extra", None) or {}
    for key in ("max_model_len", "context_length", "context_window", "n_ctx"):
        value = extra.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _brief(error: openai.APIStatusError) -> str:
    return error.response.text[:200] if error.response is not None else str(error)


class _DeadlineTransport(httpx2.BaseTransport):
    """Enforces a request's deadline (its `_DEADLINE_HEADER`) when it is sent and on every
    piece of its response body."""

    def __init__(self, inner: httpx2.BaseTransport):
        self.inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        stated = request.headers.pop(_DEADLINE_HEADER, None)
        deadline = float(stated) if stated is not None else None
        if deadline is not None and time.monotonic() > deadline:
            raise httpx2.ConnectTimeout("the reply's deadline passed", request=request)
        response = self.inner.handle_request(request)
        if deadline is not None:
            response.stream = _DeadlineStream(response.stream, deadline, str(request.url))
        return response

    def close(self) -> None:
        self.inner.close()


class _DeadlineStream(httpx2.SyncByteStream):
    def __init__(self, inner: Any, deadline: float, url: str):
        self.inner, self.deadline, self.url = inner, deadline, url

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.inner:
            if time.monotonic() > self.deadline:
                raise httpx2.ReadTimeout("the reply's deadline passed")
            yield piece

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()
