"""Loading a trained skill's weights: packaged .npz files, read once, on first use."""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import numpy as np

from resonant.embedding import Embedder, shared_embedder


def packaged_weights(filename: str) -> Path:
    """The path of a weights file shipped in `resonant/skills/weights/`."""
    return Path(str(resources.files("resonant.skills").joinpath("weights", filename)))


class LazyArrays:
    """The arrays of one .npz, loaded thread-safely the first time they are needed."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._arrays: dict[str, np.ndarray] | None = None

    def get(self) -> dict[str, np.ndarray]:
        with self._lock:
            if self._arrays is None:
                with np.load(self.path, allow_pickle=False) as data:
                    self._arrays = {key: data[key] for key in data.files}
            return self._arrays


class TrainedSkill:
    """Plumbing shared by the trained skills: lazily loaded weights and the embedder.

    Args:
        weights: the .npz to load; None selects the subclass's packaged `WEIGHTS_FILE`.
        embedder: the sentence embedder used in training (default: the packaged MiniLM).
    """

    WEIGHTS_FILE: str

    def __init__(self, weights: str | Path | None = None, embedder: Embedder | None = None):
        self.weights_path = Path(weights) if weights else packaged_weights(self.WEIGHTS_FILE)
        self._embedder = embedder
        self._weights = LazyArrays(self.weights_path)

    def arrays(self) -> dict[str, np.ndarray]:
        return self._weights.get()

    def embed(self, texts: list[str]) -> np.ndarray:
        return (self._embedder or shared_embedder()).embed(texts)
