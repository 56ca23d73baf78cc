"""perceive: validate and normalise the user's turn, and store it the moment it is accepted.

Storing first means a turn is never lost, even if the LLM or the process fails later.
Very long turns are stored whole, but the analysis and the LLM see a bounded excerpt.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from langgraph.runtime import Runtime

from resonant.agent.context import AgentContext
from resonant.agent.state import AgentState
from resonant.errors import InvalidTurnError

MAX_TURN_CHARS = 200_000
ANALYSIS_CHARS = 4_000
# Terminal escape sequences (colours, cursor moves, titles) pasted from a console: removed
# whole, so no "[31m" debris is left once the ESC itself is gone.
_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
# Controls, zero-width space, direction marks, embeddings/overrides (U+202A-202E) and
# isolates (U+2066-2069), BOM. ZWNJ and ZWJ (U+200C/D) stay: Persian words and emoji
# sequences such as the family emoji need them.
_CONTROL_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]"
)
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """NFC-normalise, drop terminal escapes, control and bidi-override characters, trim.

    Raises:
        InvalidTurnError: the turn is not a string, is empty after cleaning, is longer than
            MAX_TURN_CHARS, or holds a lone surrogate (not encodable text).
    """
    if not isinstance(text, str):
        raise InvalidTurnError("the message must be a string")
    if len(text) > MAX_TURN_CHARS:
        raise InvalidTurnError(
            f"the message is {len(text):,} characters long; the limit is {MAX_TURN_CHARS:,}"
        )
    if _SURROGATE_RE.search(text):
        raise InvalidTurnError("the message is not valid Unicode: it holds a lone surrogate")
    cleaned = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    cleaned = _CONTROL_RE.sub("", _ANSI_RE.sub("", cleaned))
    cleaned = _BLANK_LINES_RE.sub("\n\n", cleaned).strip()
    if not cleaned:
        raise InvalidTurnError("the message is empty")
    return cleaned


def analysis_excerpt(text: str) -> str:
    """The part of a long turn that detectors and the LLM read: its start and its end."""
    if len(text) <= ANALYSIS_CHARS:
        return text
    half = ANALYSIS_CHARS // 2
    return f"{text[:half]} [...] {text[-half:]}"


def perceive(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    text = normalise_text(state["text"])
    turn_id = runtime.context.store.add_user_turn(
        state["user_id"],
        state["conversation"],
        runtime.context.persona.name,
        text,
        request_key=state.get("request_key"),
    )
    return {
        "text": analysis_excerpt(text),
        "turn_id": turn_id,
        "detections": [],
        "cause": None,
        "memories": [],
        "reply": "",
        "degraded": False,
    }
