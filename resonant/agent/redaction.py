"""Removing a deleted memory's words from the conversation state the LLM is shown.

A memory is a user turn; deleting it must also take it out of the history that later
prompts are built from (with the reply to it, which may quote it) and out of the last
turn's fields, or the "deleted" words keep reaching the LLM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.types import Overwrite

# What the state carries from turn to turn (the rest is overwritten by each turn).
CARRIED_STATE = ("history", "user_vad_trace", "agent_vad_trace")


def _without_exchange(history: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    dropping_reply = False
    for message in history:
        if message["role"] == "user" and message["content"] == text:
            dropping_reply = True
            continue
        if dropping_reply and message["role"] == "assistant":
            dropping_reply = False
            continue
        dropping_reply = False
        kept.append(message)
    return kept


def redaction(values: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The state update that removes the user turn `text` from a conversation's state."""
    update: dict[str, Any] = {
        "history": Overwrite(_without_exchange(list(values.get("history", [])), text)),
        "memories": [m for m in values.get("memories", []) if m.get("text") != text],
    }
    if values.get("text") == text:
        update.update(text="", reply="", cause=None, detections=[])
    return update
