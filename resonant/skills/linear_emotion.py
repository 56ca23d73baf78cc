"""GoEmotions' 28 emotions from two linear heads: sentence embeddings and TF-IDF n-grams.

Trained by `resonant train emotion` on GoEmotions (weights ship in the package, so it
runs offline). Each head is a one-vs-rest logistic regression; their probabilities are
mixed, and per-label thresholds tuned on a held-out slice of train decide which labels
are present. It reaches the macro-F1 of the BERT-base baseline at a fraction of the cost.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from resonant.embedding import Embedder
from resonant.skills._weights import TrainedSkill, packaged_weights
from resonant.skills.base import Detection, SkillInput

WEIGHTS_FILE = "goemotions_linear.npz"


def default_weights() -> Path:
    return packaged_weights(WEIGHTS_FILE)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class LinearEmotionSkill(TrainedSkill):
    """Multi-label emotion detection over GoEmotions' labels.

    Args:
        weights: an .npz written by `resonant_tools.training.emotion`; default: the shipped one.
        embedder: sentence embedder matching the one used in training.
    """

    name = "linear-emotion"
    kind = "emotion"

    WEIGHTS_FILE = WEIGHTS_FILE

    def __init__(self, weights: str | Path | None = None, embedder: Embedder | None = None):
        super().__init__(weights, embedder)
        self._lock = threading.Lock()
        self._model: dict[str, Any] | None = None

    def _load_model(self) -> dict[str, Any]:
        with self._lock:
            if self._model is None:
                from sklearn.feature_extraction.text import TfidfVectorizer

                data = self.arrays()
                vocabulary = {term: i for i, term in enumerate(data["tfidf_terms"].tolist())}
                vectorizer = TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, vocabulary=vocabulary
                )
                vectorizer.idf_ = data["tfidf_idf"]
                self._model = {
                    "labels": [str(label) for label in data["labels"]],
                    "emb_coef": data["emb_coef"].astype(np.float32),
                    "emb_intercept": data["emb_intercept"].astype(np.float32),
                    "tfidf_coef": data["tfidf_coef"].astype(np.float32),
                    "tfidf_intercept": data["tfidf_intercept"].astype(np.float32),
                    "thresholds": data["thresholds"].astype(np.float32),
                    "mix": float(data["mix"]),
                    "vectorizer": vectorizer,
                }
            return self._model

    @property
    def labels(self) -> list[str]:
        return list(self._load_model()["labels"])

    @property
    def thresholds(self) -> np.ndarray:
        return np.asarray(self._load_model()["thresholds"])

    def probabilities(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """(n_texts, n_labels) label probabilities; pass precomputed embeddings in bulk."""
        model = self._load_model()
        if embeddings is None:
            embeddings = self.embed(texts)
        emb = _sigmoid(embeddings @ model["emb_coef"].T + model["emb_intercept"])
        result: np.ndarray = model["mix"] * emb + (1 - model["mix"]) * self.ngram_probabilities(
            texts
        )
        return result

    def ngram_probabilities(self, texts: list[str]) -> np.ndarray:
        """The TF-IDF head's label probabilities alone: cheap, and a different view of
        the text from any encoder's, which is why the affect encoder mixes it in."""
        model = self._load_model()
        sparse = model["vectorizer"].transform(texts)
        result: np.ndarray = _sigmoid(
            np.asarray(sparse @ model["tfidf_coef"].T) + model["tfidf_intercept"]
        )
        return result

    def detect(self, turn: SkillInput) -> Detection:
        model = self._load_model()
        probs = self.probabilities([turn.text])[0]
        # The reported label is the one furthest over its own threshold, so rare labels
        # with low tuned thresholds can win when present.
        margin = probs / model["thresholds"]
        best = int(np.argmax(margin))
        label = model["labels"][best] if margin[best] >= 1.0 else "neutral"
        scores = {name: float(p) for name, p in zip(model["labels"], probs, strict=True)}
        return Detection(
            skill=self.name, kind="emotion", label=label, score=scores[label], scores=scores
        )
