"""Embedding many texts with a progress bar, cached on disk so re-training is quick."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from resonant.embedding import shared_embedder

BATCH = 256


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "resonant" / "embeddings"


def embed_all(texts: Sequence[str], desc: str) -> np.ndarray:
    """MiniLM embeddings of `texts` (packaged model), reusing a cached copy if present."""
    digest = hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()[:24]
    cached = cache_dir() / f"{digest}.npy"
    if cached.exists():
        return np.load(cached)
    encoder = shared_embedder()._load()
    parts = [
        encoder.encode(
            list(texts[i : i + BATCH]),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        for i in tqdm(range(0, len(texts), BATCH), desc=desc, unit="batch")
    ]
    matrix = np.concatenate(parts).astype(np.float32)
    cached.parent.mkdir(parents=True, exist_ok=True)
    np.save(cached, matrix)
    return matrix
