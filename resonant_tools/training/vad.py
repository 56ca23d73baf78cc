"""Train the EmoBank VAD regressor shipped as `RidgeVADSkill`.

Ridge regression per axis over [MiniLM embedding, lexicon VAD]. The strength is chosen
on a held-out 10% of train (dev is only for reporting); the final model is refit on all
of train with it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from resonant.skills.vad_regressor import lexicon_features
from resonant_tools.data.features import embed_all
from resonant_tools.data.loaders import load_emobank
from resonant_tools.metrics import pearson

SEED = 0
# The data each weights file is trained from, with licenses (its provenance record).
SOURCES = (
    {
        "dataset": "EmoBank (Buechel & Hahn 2017)",
        "split": "train, 90% fit / 10% held out",
        "license": "CC BY 4.0",
    },
)
HOLDOUT = 0.1
ALPHAS = (10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0)


def _fit(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form ridge on centred data: returns (coef (3, f), intercept (3,))."""
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    xc = x - x_mean
    gram = xc.T @ xc + alpha * np.eye(x.shape[1])
    coef = np.linalg.solve(gram, xc.T @ (y - y_mean)).T
    return coef, y_mean - coef @ x_mean


def default_output() -> Path:
    from resonant.skills.vad_regressor import default_weights

    return default_weights()


def train(data: str | Path, out: str | Path) -> dict[str, float]:
    rows = load_emobank(data, "train")
    texts = [r.text for r in rows]
    y = np.array([(r.vad.v, r.vad.a, r.vad.d) for r in rows], dtype=np.float64)
    x = np.hstack([embed_all(texts, "embedding EmoBank train"), lexicon_features(texts)])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    x = (x - mean) / scale
    order = np.random.default_rng(SEED).permutation(len(texts))
    cut = max(2, int(len(texts) * HOLDOUT))
    held, fit = order[:cut], order[cut:]

    def held_r(alpha: float) -> float:
        coef, intercept = _fit(x[fit], y[fit], alpha)
        pred = x[held] @ coef.T + intercept
        return float(np.mean([pearson(pred[:, i], y[held, i]) for i in range(3)]))

    alpha = max(ALPHAS, key=held_r)
    holdout_r = held_r(alpha)
    coef, intercept = _fit(x, y, alpha)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        coef=coef.astype(np.float32),
        intercept=intercept.astype(np.float32),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        # Held-out mean Pearson r doubles as the detection's confidence when fusing VAD.
        confidence=np.float32(holdout_r),
    )
    return {"alpha": alpha, "holdout_mean_pearson": holdout_r, "train_items": float(len(rows))}
