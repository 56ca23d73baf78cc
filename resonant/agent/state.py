"""The conversation state that flows through the graph and is checkpointed per thread.

Values are plain JSON-able data so any checkpointer (SQLite, PostgreSQL) can store them.
Turn-scoped fields are overwritten every turn; the `*_trace` and `history` fields append
through a reducer that keeps a recent window (the full record lives in the memory store).
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from resonant.affect import VADDict
from resonant.llm.base import ChatMessage
from resonant.skills.fusion import CauseReading, EmotionReading, SafetyReading

STATE_WINDOW = 50


def recent_window(existing: list[Any], new: list[Any]) -> list[Any]:
    """Append, keeping the last STATE_WINDOW items so checkpoints stay small."""
    return (existing + new)[-STATE_WINDOW:]


class AgentState(TypedDict, total=False):
    # Set by the caller for each turn.
    user_id: str
    conversation: str
    text: str
    request_key: str | None
    # This turn, overwritten each time.
    turn_id: int
    detections: list[dict[str, Any]]
    user_emotion: EmotionReading
    cause: CauseReading | None
    safety: SafetyReading
    language: str
    user_vad: VADDict
    agent_vad: VADDict
    memories: list[dict[str, Any]]
    reply: str
    degraded: bool
    # Tokens the LLM read and wrote for the reply (resonant.llm.base.TokenUsage.to_dict).
    usage: dict[str, Any]
    # Accumulated across turns.
    history: Annotated[list[ChatMessage], recent_window]
    user_vad_trace: Annotated[list[VADDict], recent_window]
    agent_vad_trace: Annotated[list[VADDict], recent_window]
