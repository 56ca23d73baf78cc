"""Seeded train/held-out splits that training and the evals must agree on.

The crisis eval scores the encoder on SDCNL posts the training run held out; both sides
call `split_indices(n, SDCNL_SEED)` here, so the held-out slice is the same one.
"""

from __future__ import annotations

import numpy as np

HOLDOUT = 0.1
SDCNL_SEED = 1  # SDCNL's held-out posts (the encoder's training seed 0, plus one)


def split_indices(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded permutation of range(n) cut into (fit, held out); HOLDOUT of it held out."""
    order = np.random.default_rng(seed).permutation(n)
    cut = max(1, int(n * HOLDOUT))
    return order[cut:], order[:cut]
