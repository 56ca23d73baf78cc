"""Personality-affected emotion transition: how the agent's VAD moves from turn to turn.

The agent's next emotion is its previous one plus a shift driven by the user's state and
shaped by the persona's Big Five traits (O, C, E, A, N on [0, 1]), with inertia and a
decay back to the persona's baseline mood `b`. With `p` the agent's previous VAD, `u` the
user's VAD, `e` the user's detected emotion with confidence `c`:

    stimulus      s = (m_v * u_v,  m_a * u_a,  -m_d * u_d) + c * R[e]
    target        t = b + s
    next VAD      p' = clip(p + k * (t - p) + delta * (b - p), -1, 1)

    mirroring     m_v = 0.2 + 0.5 A        agreeable personas share the user's valence
                  m_a = 0.1 + 0.3 E + 0.3 N  arousal is contagious for extraverts and
                                           emotionally reactive personas
                  m_d = 0.2 + 0.3 C        dominance is complementary: when the user feels
                                           powerless, a conscientious persona steadies
    responsiveness k = clip(0.25 + 0.35 N + 0.15 E - 0.2 C, 0.05, 0.7)
    decay         delta = clip(0.05 + 0.25 (1 - N), 0.05, 0.3)

`R[e]` is the persona's appraisal reaction to the user's emotion (shared delight at joy,
calm steadiness at anger, reassurance at fear). Consequences, which the tests check:
with no stimulus the agent relaxes geometrically to its baseline (rate 1 - k - delta);
every output stays in [-1, 1]; higher agreeableness mirrors a sad user's valence more;
higher neuroticism moves further in one turn; higher conscientiousness moves less.
This follows the personality-affected emotion-transition idea of PAD-space agents
(Mehrabian 1996's trait-to-PAD mapping; inertia/decay as in ALMA-style mood models).
"""

from __future__ import annotations

from dataclasses import dataclass

from resonant.affect import VAD, ekman_of
from resonant.persona.model import BigFive, Persona

# The agent's appraisal reaction to each user emotion, before confidence weighting.
EMOTION_REACTIONS: dict[str, VAD] = {
    "joy": VAD(0.30, 0.20, 0.10),
    "sadness": VAD(-0.10, -0.20, 0.10),
    "anger": VAD(-0.10, -0.15, 0.20),
    "fear": VAD(-0.05, -0.10, 0.25),
    "disgust": VAD(-0.10, 0.00, 0.10),
    "surprise": VAD(0.10, 0.20, 0.00),
    "neutral": VAD(0.0, 0.0, 0.0),
}


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True, slots=True)
class TransitionParams:
    """The per-persona coefficients of the transition, derived from its traits."""

    mirroring: VAD
    responsiveness: float
    decay: float

    @classmethod
    def from_traits(cls, traits: BigFive) -> TransitionParams:
        return cls(
            mirroring=VAD(
                v=0.2 + 0.5 * traits.agreeableness,
                a=0.1 + 0.3 * traits.extraversion + 0.3 * traits.neuroticism,
                d=-(0.2 + 0.3 * traits.conscientiousness),
            ),
            responsiveness=_clip(
                0.25
                + 0.35 * traits.neuroticism
                + 0.15 * traits.extraversion
                - 0.2 * traits.conscientiousness,
                0.05,
                0.7,
            ),
            decay=_clip(0.05 + 0.25 * (1.0 - traits.neuroticism), 0.05, 0.3),
        )


def next_agent_vad(
    previous: VAD,
    user_vad: VAD,
    persona: Persona,
    emotion: str = "neutral",
    confidence: float = 0.0,
) -> VAD:
    """One step of the transition model (see the module docstring for the formula)."""
    params = TransitionParams.from_traits(persona.traits)
    baseline = persona.baseline_vad
    reaction = EMOTION_REACTIONS[ekman_of(emotion)]
    stimulus = user_vad.times(params.mirroring) + reaction.scaled(_clip(confidence, 0.0, 1.0))
    target = baseline + stimulus
    shifted = (
        previous
        + (target - previous).scaled(params.responsiveness)
        + (baseline - previous).scaled(params.decay)
    )
    return shifted.clamped()
