"""Train the GoEmotions emotion classifier shipped as `LinearEmotionSkill`.

Two one-vs-rest logistic regressions (MiniLM embeddings; TF-IDF word 1-2-grams) are fit
on 90% of GoEmotions train. The held-out 10% (never dev) chooses the mix of their
probabilities and one threshold per label, so dev stays a clean report split.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from resonant_tools.data.features import embed_all
from resonant_tools.data.loaders import load_goemotions

SEED = 0
# The data each weights file is trained from, with licenses (its provenance record).
SOURCES = (
    {
        "dataset": "GoEmotions (Demszky et al. 2020)",
        "split": "train, 90% fit / 10% held out",
        "license": "Apache-2.0",
    },
)
HOLDOUT = 0.1
TFIDF_FEATURES = 30_000
MIXES = (0.2, 0.3, 0.4, 0.5, 0.6)
THRESHOLDS = np.arange(0.05, 0.9, 0.01)


def best_thresholds(gold: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-label F1-maximising thresholds and the macro-F1 they reach."""
    chosen, scores = [], []
    for j in range(gold.shape[1]):
        predicted = probs[:, j][:, None] >= THRESHOLDS[None, :]
        truth = gold[:, j][:, None]
        tp = (predicted & truth).sum(0)
        fp = (predicted & ~truth).sum(0)
        fn = (~predicted & truth).sum(0)
        f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
        chosen.append(THRESHOLDS[int(np.argmax(f1))])
        scores.append(float(f1.max()))
    return np.array(chosen, dtype=np.float32), float(np.mean(scores))


def default_output() -> Path:
    from resonant.skills.linear_emotion import default_weights

    return default_weights()


def train(data: str | Path, out: str | Path) -> dict[str, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    examples, labels = load_goemotions(data, "train")
    texts = [e.text for e in examples]
    gold = np.zeros((len(examples), len(labels)), dtype=bool)
    for i, example in enumerate(examples):
        for label in example.labels:
            gold[i, labels.index(label)] = True
    order = np.random.default_rng(SEED).permutation(len(texts))
    cut = max(2, int(len(texts) * HOLDOUT))
    held, fit = order[:cut], order[cut:]

    embeddings = embed_all(texts, "embedding GoEmotions train")
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, max_features=TFIDF_FEATURES, sublinear_tf=True
    )
    sparse_fit = vectorizer.fit_transform([texts[i] for i in fit])
    sparse_held = vectorizer.transform([texts[i] for i in held])

    heads = {
        "emb": (2.0, embeddings[fit], embeddings[held]),
        "tfidf": (4.0, sparse_fit, sparse_held),
    }
    coefs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    held_probs: dict[str, np.ndarray] = {}
    for name, (strength, train_x, held_x) in heads.items():
        weights, biases, probs = [], [], []
        for j in tqdm(range(len(labels)), desc=f"fitting {name} head", unit="label"):
            if gold[fit, j].all() or not gold[fit, j].any():
                # A label absent from (or everywhere in) the data has nothing to learn:
                # a constant head that always answers what the data said.
                constant = 10.0 if gold[fit, j].all() else -10.0
                weights.append(np.zeros(train_x.shape[1], dtype=np.float32))
                biases.append(constant)
                probs.append(np.full(len(held), 1.0 / (1.0 + np.exp(-constant))))
                continue
            model = LogisticRegression(C=strength, max_iter=2000, random_state=SEED)
            model.fit(train_x, gold[fit, j])
            weights.append(model.coef_[0])
            biases.append(model.intercept_[0])
            probs.append(model.predict_proba(held_x)[:, 1])
        coefs[name] = (np.array(weights, dtype=np.float32), np.array(biases, dtype=np.float32))
        held_probs[name] = np.stack(probs, axis=1)

    best = max(
        (
            (
                *best_thresholds(gold[held], m * held_probs["emb"] + (1 - m) * held_probs["tfidf"]),
                m,
            )
            for m in MIXES
        ),
        key=lambda item: item[1],
    )
    thresholds, holdout_macro_f1, mix = best
    terms = np.array(
        sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__), dtype=np.str_
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        labels=np.array(labels, dtype=np.str_),
        emb_coef=coefs["emb"][0].astype(np.float16),
        emb_intercept=coefs["emb"][1],
        tfidf_terms=terms,
        tfidf_idf=vectorizer.idf_.astype(np.float32),
        tfidf_coef=coefs["tfidf"][0].astype(np.float16),
        tfidf_intercept=coefs["tfidf"][1],
        thresholds=thresholds,
        mix=np.float32(mix),
    )
    return {"holdout_macro_f1": holdout_macro_f1, "mix": mix, "train_items": float(len(fit))}
