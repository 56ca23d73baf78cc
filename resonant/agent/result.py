"""What one turn returns: the reply and the full affect trace behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from resonant.affect import VAD
from resonant.agent.state import AgentState
from resonant.skills.fusion import CauseReading, EmotionReading, SafetyReading


@dataclass(frozen=True, slots=True)
class ReplyChunk:
    """A piece of the reply, yielded by `Agent.stream` while the LLM writes."""

    text: str


@dataclass(frozen=True, slots=True)
class AffectUpdate:
    """Yielded by `Agent.stream` as soon as the turn is appraised, before the reply is
    written: lets a voice pipeline set its delivery, or a UI its panel, without waiting."""

    user_emotion: EmotionReading
    user_vad: VAD
    agent_vad: VAD
    safety: SafetyReading


@dataclass(frozen=True, slots=True)
class TurnResult:
    """The agent's reply to one user turn, with everything it perceived and felt."""

    user_id: str
    conversation: str
    turn_id: int
    reply: str
    user_emotion: EmotionReading
    user_vad: VAD
    agent_vad: VAD
    cause: CauseReading | None
    memories: list[dict[str, Any]]
    safety: SafetyReading
    degraded: bool
    # ISO 639-1 code (or "unknown"): the detectors read English; other languages get the
    # crisis cues and the LLM, and this says so.
    language: str = "unknown"
    detections: list[dict[str, Any]] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # Tokens the LLM read and wrote, and where the counts come from (TokenUsage.to_dict).
    usage: dict[str, Any] | None = None

    @classmethod
    def from_state(cls, state: AgentState, timings_ms: dict[str, float]) -> TurnResult:
        return cls(
            user_id=state["user_id"],
            conversation=state["conversation"],
            turn_id=state["turn_id"],
            reply=state["reply"],
            user_emotion=state["user_emotion"],
            user_vad=VAD.from_dict(state["user_vad"]),
            agent_vad=VAD.from_dict(state["agent_vad"]),
            cause=state.get("cause"),
            memories=state.get("memories", []),
            safety=state["safety"],
            degraded=state.get("degraded", False),
            language=state.get("language", "unknown"),
            detections=state.get("detections", []),
            timings_ms=timings_ms,
            usage=state.get("usage"),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TurnResult:
        """The inverse of `to_dict` (a stored result replayed to a retried request)."""
        fields = dict(data)
        fields["user_vad"] = VAD.from_dict(fields["user_vad"])
        fields["agent_vad"] = VAD.from_dict(fields["agent_vad"])
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by `resonant respond --json` and served over HTTP."""
        return {
            "user_id": self.user_id,
            "conversation": self.conversation,
            "turn_id": self.turn_id,
            "reply": self.reply,
            "user_emotion": dict(self.user_emotion),
            "user_vad": self.user_vad.as_dict(),
            "agent_vad": self.agent_vad.as_dict(),
            "cause": dict(self.cause) if self.cause else None,
            "memories": self.memories,
            "safety": dict(self.safety),
            "degraded": self.degraded,
            "language": self.language,
            "detections": self.detections,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "usage": self.usage,
        }
