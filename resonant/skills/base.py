"""The contract every detector skill satisfies, and the values skills exchange.

A skill looks at one user turn (with the conversation before it) and returns a
`Detection`, or None when it has nothing to say. Skills are small and independent; the
agent's `detect` node runs all enabled ones and the `appraise` node fuses their outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from resonant.affect import VAD

DetectionKind = Literal["emotion", "vad", "cause", "safety"]
# "other": another person in a transcript (`resonant analyze`), never the agent itself.
Role = Literal["user", "assistant", "other"]


@dataclass(frozen=True, slots=True)
class Utterance:
    """One earlier message of the conversation, as skills see it."""

    role: Role
    text: str


@dataclass(frozen=True, slots=True)
class SkillInput:
    """What a skill may look at: this turn's text, the conversation before it, and
    (in voice mode) the raw audio of the turn."""

    text: str
    history: tuple[Utterance, ...] = ()
    audio: bytes | None = None
    sample_rate: int | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of text inside one utterance.

    `turn_offset` counts back from the current turn: 0 is the current user turn, -1 the
    message just before it, and so on. `start`/`end` are character offsets in that message.
    """

    text: str
    turn_offset: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Detection:
    """What one skill found in one turn.

    Fields are filled by kind: `emotion` sets `label` and `scores` (and may set `labels`,
    the fine-grained labels present, e.g. GoEmotions' multi-label reading); `vad` sets `vad`;
    `cause` sets `span`; `safety` sets `flagged`, `category` and `label` (the matched cue).
    `score` is the skill's confidence in [0, 1].
    """

    skill: str
    kind: DetectionKind
    label: str | None = None
    score: float = 0.0
    scores: Mapping[str, float] = field(default_factory=dict)
    labels: tuple[str, ...] = ()
    vad: VAD | None = None
    span: Span | None = None
    flagged: bool = False
    category: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data, the form kept in graph state and stored with turns."""
        return {
            "skill": self.skill,
            "kind": self.kind,
            "label": self.label,
            "score": round(self.score, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "labels": list(self.labels),
            "vad": self.vad.as_dict() if self.vad else None,
            "span": (
                {
                    "text": self.span.text,
                    "turn_offset": self.span.turn_offset,
                    "start": self.span.start,
                    "end": self.span.end,
                }
                if self.span
                else None
            ),
            "flagged": self.flagged,
            "category": self.category,
        }


@runtime_checkable
class Skill(Protocol):
    """A detector plugin.

    Third-party skills register a zero-argument factory (usually the class) under the
    entry-point group ``resonant.skills``. `detect` must be cheap (it runs on every turn),
    thread-safe, and load heavy models lazily on first call.
    """

    name: str
    kind: str  # one of DetectionKind; plain str so classes need no Literal annotations

    def detect(self, turn: SkillInput) -> Detection | None: ...
