"""Valence, arousal and dominance regressed from sentence embeddings fused with lexicons.

Trained by `resonant train vad` on EmoBank (weights ship in the package). Features are the
MiniLM embedding plus the lexicon estimate of `LexiconVADSkill`, so the regressor can
lean on word norms where the embedding is unsure; one ridge regression per axis.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from resonant.affect import VAD
from resonant.skills._weights import TrainedSkill, packaged_weights
from resonant.skills.base import Detection, SkillInput
from resonant.skills.lexicon_vad import LexiconVADSkill

WEIGHTS_FILE = "emobank_vad_ridge.npz"


def default_weights() -> Path:
    return packaged_weights(WEIGHTS_FILE)


def lexicon_features(texts: list[str]) -> np.ndarray:
    """The lexicon detector's (v, a, d) for each text: the regressor's extra features."""
    detector = LexiconVADSkill()
    rows = []
    for text in texts:
        vad = detector.detect(SkillInput(text)).vad or VAD()
        rows.append((vad.v, vad.a, vad.d))
    return np.array(rows, dtype=np.float32)


class RidgeVADSkill(TrainedSkill):
    """Estimates the user's VAD on [-1, 1] for one turn."""

    name = "ridge-vad"
    kind = "vad"

    WEIGHTS_FILE = WEIGHTS_FILE

    def predict(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """(n_texts, 3) VAD predictions, clipped to [-1, 1]."""
        model = self.arrays()
        if embeddings is None:
            embeddings = self.embed(texts)
        features = np.hstack([embeddings, lexicon_features(texts)])
        scaled = (features - model["mean"]) / model["scale"]
        result: np.ndarray = np.clip(scaled @ model["coef"].T + model["intercept"], -1.0, 1.0)
        return result

    def detect(self, turn: SkillInput) -> Detection:
        v, a, d = self.predict([turn.text])[0]
        return Detection(
            skill=self.name,
            kind="vad",
            vad=VAD(float(v), float(a), float(d)),
            score=float(self.arrays()["confidence"]),
        )
