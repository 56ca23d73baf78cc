"""Emotion-cause detection trained on RECCON: which recent utterance caused this feeling.

For the current turn and each of the few messages before it, a logistic regression over
(candidate, target) pair features says how likely the candidate holds the cause: turn
distance, same speaker, the two sentence embeddings' product, and the candidate's
emotional and event content. The most likely candidate above the tuned threshold is the
cause; its span is the part after a causal connective ("... because *my dog died*"), or
the whole utterance, which is how RECCON's expanded spans mostly look.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from resonant.skills._weights import TrainedSkill, packaged_weights
from resonant.skills.base import Detection, SkillInput, Span
from resonant.text.lexicon import EVENT_TERMS, affect_categories, compound_sentiment
from resonant.text.tokens import tokens

WEIGHTS_FILE = "reccon_pair_cause.npz"
MAX_DISTANCE = 4
_CAUSAL_CUE_RE = re.compile(
    r"\b(?:because|since|cause|'cause|due to|now that|ever since)\b\s*", re.IGNORECASE
)


def default_weights() -> Path:
    return packaged_weights(WEIGHTS_FILE)


def cause_span(text: str) -> tuple[int, int]:
    """Character offsets of the cause inside a causal utterance."""
    match = _CAUSAL_CUE_RE.search(text)
    start = match.end() if match and match.end() < len(text.rstrip(" .!?")) else 0
    end = len(text.rstrip(" .!?")) or len(text)
    return start, max(end, start)


def best_cause(
    skill: str, candidates: list[tuple[int, str, bool]], probs: np.ndarray, threshold: float
) -> Detection | None:
    """The most likely (turns back, text, same speaker) candidate as a cause detection with
    its span, or None when no candidate reaches `threshold`."""
    best = int(np.argmax(probs))
    if probs[best] < threshold:
        return None
    back, text, _ = candidates[best]
    start, end = cause_span(text)
    return Detection(
        skill=skill,
        kind="cause",
        span=Span(text[start:end], -back, start, end),
        score=float(probs[best]),
    )


def pair_features(
    candidate: str, distance: int, same_speaker: bool, product: np.ndarray
) -> np.ndarray:
    """Features of one (candidate utterance, target utterance) pair."""
    words = tokens(candidate)
    hits = affect_categories(words)
    compound = compound_sentiment(candidate)
    handcrafted = [
        *(float(distance == d) for d in range(MAX_DISTANCE)),
        float(distance >= MAX_DISTANCE),
        float(same_speaker),
        float(product.sum()),  # cosine similarity of the two normalised embeddings
        min(1.0, len(hits) / max(1.0, len(words) / 4)),
        abs(compound),
        compound,
        float(any(w in EVENT_TERMS for w in words)),
        float(bool(_CAUSAL_CUE_RE.search(candidate))),
        min(1.0, len(words) / 30),
    ]
    return np.concatenate([np.array(handcrafted, dtype=np.float32), product.astype(np.float32)])


class PairCauseSkill(TrainedSkill):
    """Finds the utterance (and span) that caused the current turn's emotion.

    Args:
        weights: an .npz written by `resonant train cause`; default: the shipped one.
        embedder: sentence embedder matching the one used in training.
    """

    name = "pair-cause"
    kind = "cause"

    WEIGHTS_FILE = WEIGHTS_FILE

    @property
    def threshold(self) -> float:
        return float(self.arrays()["threshold"])

    def pair_probabilities(self, features: np.ndarray) -> np.ndarray:
        model = self.arrays()
        logits = features @ model["coef"] + model["intercept"]
        result: np.ndarray = 1.0 / (1.0 + np.exp(-logits))
        return result

    def detect(self, turn: SkillInput) -> Detection | None:
        # Candidates: the turn itself, then earlier messages, newest first. The user is
        # the target's speaker; assistant messages are the other party.
        candidates = [(0, turn.text, True)]
        for back, utterance in enumerate(reversed(turn.history[-MAX_DISTANCE:]), start=1):
            candidates.append((back, utterance.text, utterance.role == "user"))
        vectors = self.embed([text for _, text, _ in candidates])
        target = vectors[0]
        features = np.stack(
            [
                pair_features(text, back, same, vectors[i] * target)
                for i, (back, text, same) in enumerate(candidates)
            ]
        )
        return best_cause(self.name, candidates, self.pair_probabilities(features), self.threshold)
