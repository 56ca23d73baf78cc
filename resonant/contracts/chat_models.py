"""`check_chat_model`: the contract of an LLM backend (`resonant.llm.base.ChatModel`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import Any

from resonant.contracts.report import EMOJI, EMPTY, LONG, NON_ENGLISH, Findings, in_threads
from resonant.errors import ResonantError
from resonant.llm.base import SAMPLING_KEYS, ChatMessage, ChatModel, TokenUsage

MAX_TOKENS = 16
_SYSTEM: ChatMessage = {"role": "system", "content": "You are a kind listener. Reply briefly."}


def _messages(text: str) -> list[ChatMessage]:
    return [_SYSTEM, {"role": "user", "content": text}]


def _reply(model: ChatModel, messages: Sequence[ChatMessage], **options: Any) -> str:
    chunks = list(model.stream(messages, max_tokens=MAX_TOKENS, temperature=0.0, **options))
    if not all(isinstance(chunk, str) for chunk in chunks):
        raise TypeError(f"stream yielded {sorted({type(c).__name__ for c in chunks})}, not str")
    return "".join(chunks)


def _check_declared(found: Findings, model: ChatModel) -> dict[str, Any]:
    """The optional attributes a backend may declare, each as the agent reads it."""
    window = getattr(model, "context_window", None)
    found.expect(
        window is None or (isinstance(window, int) and window > 0),
        f"context_window must be a positive int or None, got {window!r}",
    )
    if hasattr(model, "count_tokens"):
        count = found.attempt(
            "count_tokens('Hello there')", lambda: model.count_tokens("Hello there")
        )
        found.expect(isinstance(count, int) and count >= 1, f"count_tokens gave {count!r}")
    options = frozenset(getattr(model, "sampling_options", frozenset()))
    found.expect(
        options <= SAMPLING_KEYS,
        f"sampling_options {sorted(options - SAMPLING_KEYS)} are not Sampling keys",
    )
    if hasattr(model, "check"):
        found.attempt("check() while the backend is up", model.check)
    return {"seed": 7} if "seed" in options else {}


def check_chat_model(model: ChatModel) -> None:
    """Check that `model` keeps the `ChatModel` contract; raise `ContractViolation` if not.

    The rules: a non-empty `name`; `stream` yields only str, a non-empty reply to a plain
    greeting, and for empty, emoji, Spanish, Chinese or 20k-character messages either a
    reply or a `ResonantError` (`LLMUnavailableError` for a prompt past its window), never
    another exception; at temperature 0 (and the same seed, where it takes one) the same
    reply twice and the same reply from threads at once; a stream abandoned after its
    first chunk closes cleanly; at most `max_tokens` tokens by its own `count_tokens`;
    declared extras (`context_window`, `count_tokens`, `sampling_options`, `check`,
    `reports_usage`: at most one well-formed count) behave as `resonant.llm.base`
    documents them.
    """
    found = Findings(f"chat model {getattr(model, 'name', type(model).__name__)!r}")
    found.expect(
        isinstance(getattr(model, "name", None), str) and bool(model.name),
        "name must be a non-empty string",
    )
    found.expect(callable(getattr(model, "stream", None)), "stream must be callable")
    found.raise_if_any()
    seed = _check_declared(found, model)
    greeting = _messages("Hello! How are you today?")
    reply = found.attempt("stream(a greeting)", lambda: _reply(model, greeting, **seed))
    found.expect(bool(reply and reply.strip()), f"the reply to a greeting was {reply!r}")
    for text in (EMPTY, EMOJI, *NON_ENGLISH, LONG):
        found.attempt(
            f"stream({text[:30]!r})",
            partial(_reply, model, _messages(text)),
            allowed=(ResonantError,),
        )
    again = found.attempt("stream(the greeting again)", lambda: _reply(model, greeting, **seed))
    found.expect(again == reply, f"temperature 0 gave two replies: {reply!r} / {again!r}")
    threaded = found.attempt(
        "stream from two threads at once",
        lambda: in_threads(lambda m: _reply(model, m, **seed), [greeting, greeting]),
    )
    found.expect(
        threaded is None or threaded == [reply, reply],
        f"concurrent replies {threaded!r} differ from {reply!r} (not thread-safe)",
    )
    if reply and hasattr(model, "count_tokens"):
        used = model.count_tokens(reply)
        found.expect(used <= MAX_TOKENS + 1, f"{used} tokens written for max_tokens={MAX_TOKENS}")

    def abandon() -> None:
        stream = model.stream(greeting, max_tokens=MAX_TOKENS, temperature=0.0)
        next(iter(stream), None)
        close = getattr(stream, "close", None)
        if close:
            close()

    found.attempt("a stream closed after its first chunk (a client leaving)", abandon)
    if getattr(model, "reports_usage", False):
        usage: list[TokenUsage] = []
        found.attempt("stream(usage=[])", lambda: _reply(model, greeting, usage=usage))
        # At most one report, well-formed; none when the server sent no counts (the agent
        # then counts with the tokenizer or estimates).
        found.expect(
            len(usage) <= 1 and all(u.prompt_tokens > 0 and u.completion_tokens > 0 for u in usage),
            f"reports_usage is set but usage came back as {usage!r}",
        )
        if usage:
            data = usage[0].to_dict()
            found.expect(json.loads(json.dumps(data)) == data, "usage does not survive JSON")
    found.raise_if_any()
