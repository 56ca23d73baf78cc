"""The default detector skills: thin views of one shared `AffectEncoder` reading.

Each skill reads the same cached encoder pass, so running all four costs one forward
pass of the turn (and one of the turn with its context). They stay separate skills so
that a deployment can switch any of them off or replace it with a plugin.
"""

from __future__ import annotations

import re

from resonant.skills.affect_encoder import (
    AffectEncoder,
    AffectReading,
    shared_affect_encoder,
)
from resonant.skills.base import Detection, SkillInput
from resonant.skills.pair_cause import MAX_DISTANCE, best_cause
from resonant.skills.safety import is_denial, is_idiomatic

# Talking to or about the agent ("you", "that's not what I meant"): only then can the
# agent's own previous reply be what the user is reacting to.
_ADDRESSES_AGENT_RE = re.compile(
    r"\b(?:you|your|you're|youre|yours|u|ur|that's not|thats not|why did|what do you)\b",
    re.IGNORECASE,
)


class _EncoderSkill:
    def __init__(self, encoder: AffectEncoder | None = None):
        self._encoder = encoder

    @property
    def encoder(self) -> AffectEncoder:
        return self._encoder or shared_affect_encoder()

    def reading(self, turn: SkillInput) -> AffectReading:
        return self.encoder.read(turn.text, [u.text for u in turn.history])


class EncoderEmotionSkill(_EncoderSkill):
    """Ekman's 7 read in conversation (calibrated), plus GoEmotions' labels present."""

    name = "encoder-emotion"
    kind = "emotion"

    def detect(self, turn: SkillInput) -> Detection:
        reading = self.reading(turn)
        label = max(reading.ekman, key=reading.ekman.__getitem__)
        return Detection(
            skill=self.name,
            kind="emotion",
            label=label,
            score=reading.ekman[label],
            scores=reading.ekman,
            labels=reading.labels,
        )


class EncoderVADSkill(_EncoderSkill):
    """Valence, arousal and dominance on [-1, 1], regressed on EmoBank."""

    name = "encoder-vad"
    kind = "vad"
    # The weight of this reading when the agent averages VAD detections: a trained
    # regressor outweighs the prosody heuristic (capped at 0.35) by design.
    CONFIDENCE = 0.8

    def detect(self, turn: SkillInput) -> Detection:
        return Detection(
            skill=self.name, kind="vad", vad=self.reading(turn).vad, score=self.CONFIDENCE
        )


class EncoderCrisisSkill(_EncoderSkill):
    """Crisis risk from the encoder: its crisis layer (trained on SDCNL posts and
    hand-written cases) for post-length turns, a second layer for lines of chat (see
    `CRISIS_MIN_WORDS`). Known idioms veto it as they veto the keyword rules, and so does
    a short turn that only denies a crisis ("I don't want to die"): the layers read the
    words, not their negation."""

    name = "encoder-safety"
    kind = "safety"

    def detect(self, turn: SkillInput) -> Detection:
        reading = self.reading(turn)
        vetoed = is_idiomatic(turn.text) or is_denial(turn.text)
        flagged = reading.flagged and not vetoed
        return Detection(
            skill=self.name,
            kind="safety",
            flagged=flagged,
            category=reading.crisis_category if flagged else None,
            # Confidence in the verdict, as for every safety skill: the crisis probability
            # when flagged, its complement when not, and certainty when a veto decided.
            score=reading.crisis if flagged else 1.0 if vetoed else 1.0 - reading.crisis,
        )


class EncoderCauseSkill(_EncoderSkill):
    """Which recent turn caused the current turn's feeling, by a pairwise head over the
    encoder's turn vectors (trained on RECCON), and the cause span inside it.

    The agent's own earlier reply is a candidate only when it came just before and the
    user is talking to or about the agent; otherwise the user reacts to their own story.
    """

    name = "encoder-cause"
    kind = "cause"

    def _candidates(self, turn: SkillInput) -> list[tuple[int, str, bool]]:
        candidates = [(0, turn.text, True)]
        reacting_to_agent = bool(_ADDRESSES_AGENT_RE.search(turn.text))
        recent = list(reversed(turn.history[-MAX_DISTANCE:]))
        for back, utterance in enumerate(recent, start=1):
            if utterance.role == "assistant" and not (back == 1 and reacting_to_agent):
                continue
            candidates.append((back, utterance.text, utterance.role == "user"))
        return candidates

    def detect(self, turn: SkillInput) -> Detection | None:
        candidates = self._candidates(turn)
        readings = self.encoder.read_many([(text, ()) for _, text, _ in candidates])
        probs = self.encoder.cause_probabilities(
            readings[0],
            [
                (text, back, same, reading)
                for (back, text, same), reading in zip(candidates, readings, strict=True)
            ],
        )
        return best_cause(self.name, candidates, probs, self.encoder.cause_threshold)
