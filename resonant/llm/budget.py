"""Fitting a prompt into the model's context window, and counting what a reply used.

Tokens are counted with the backend's own tokenizer (`count_tokens`) where it has one,
else estimated at four characters a token. A prompt that would not leave room for the
reply loses, in this order: the oldest turns of history, then the oldest part of the
user's message (its end is kept: people put the point of a long message last, and it is
what the reply answers). The system message is kept whole.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from resonant.llm.base import ChatMessage, ChatModel, TokenUsage

# Tokens a chat template adds around each message (role markers, separators).
PER_MESSAGE_OVERHEAD = 8
CLIPPED_MARK = "[…] "

TokenCounter = Callable[[str], int]


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def token_counter(model: ChatModel) -> tuple[TokenCounter, str]:
    """The backend's tokenizer and "tokenizer", or the estimate and "estimate"."""
    count = getattr(model, "count_tokens", None)
    return (count, "tokenizer") if callable(count) else (estimate_tokens, "estimate")


def prompt_tokens(messages: Sequence[ChatMessage], count: TokenCounter) -> int:
    return sum(count(m["content"]) + PER_MESSAGE_OVERHEAD for m in messages)


def fit_messages(
    messages: Sequence[ChatMessage], count: TokenCounter, budget: int
) -> list[ChatMessage]:
    """`messages` within `budget` prompt tokens (see the module docstring). The last
    message is the user's turn; leading system messages are kept."""
    fitted = list(messages)
    if prompt_tokens(fitted, count) <= budget:
        return fitted
    system = [m for m in fitted[:-1] if m["role"] == "system"]
    history = [m for m in fitted[:-1] if m["role"] != "system"]
    while history and prompt_tokens([*system, *history, fitted[-1]], count) > budget:
        history.pop(0)
    last = fitted[-1]
    room = budget - prompt_tokens([*system, *history], count) - PER_MESSAGE_OVERHEAD
    return [
        *system,
        *history,
        {"role": last["role"], "content": _keep_end(last["content"], count, room)},
    ]


def _keep_end(text: str, count: TokenCounter, room: int) -> str:
    """The longest end of `text` (marked as clipped) that counts at most `room` tokens."""
    if count(text) <= room:
        return text
    low, high = 0, len(text)  # characters kept from the end: low fits, high may not
    while high - low > 1:
        middle = (low + high) // 2
        if count(CLIPPED_MARK + text[-middle:]) <= room:
            low = middle
        else:
            high = middle
    return CLIPPED_MARK + text[-low:] if low else CLIPPED_MARK


def usage_of(
    model: ChatModel,
    messages: Sequence[ChatMessage],
    written: str,
    reported: Sequence[TokenUsage],
) -> TokenUsage:
    """The server's counts when it reported them, else counted here."""
    if reported:
        return reported[-1]
    count, source = token_counter(model)
    return TokenUsage(prompt_tokens(messages, count), count(written) if written else 0, source)
