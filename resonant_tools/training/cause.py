"""Train the RECCON cause classifier shipped as `PairCauseSkill`.

Every (emotional target utterance, earlier-or-same utterance) pair of RECCON's train
dialogues is an example, positive when the annotators marked the candidate as causal. A
class-balanced logistic regression is fit on 90% of the dialogues; the other 10% choose
the decision threshold (valid is only for reporting).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from resonant.skills.pair_cause import pair_features
from resonant_tools.data.features import embed_all
from resonant_tools.data.loaders import DialogueTurn, load_reccon

SEED = 0
# The data each weights file is trained from, with licenses (its provenance record).
SOURCES = (
    {
        "dataset": "RECCON / DailyDialog (Poria et al. 2021)",
        "split": "train, 90% of dialogues fit",
        "license": "CC BY-NC-SA 4.0",
    },
)
HOLDOUT = 0.1


def default_output() -> Path:
    from resonant.skills.pair_cause import default_weights

    return default_weights()


def emotional_pairs(
    turns: list[DialogueTurn],
) -> Iterator[tuple[int, DialogueTurn, int, DialogueTurn]]:
    """(target position, target, candidate position, candidate) for every emotional turn
    of a dialogue and each turn at or before it: the pairs a cause classifier scores."""
    for target_pos, target in enumerate(turns):
        if target.emotion == "neutral":
            continue
        for cand_pos in range(target_pos + 1):
            yield target_pos, target, cand_pos, turns[cand_pos]


def dialogue_pairs(
    dialogues: dict[str, list[DialogueTurn]], desc: str
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int, int]]]:
    """Features, labels and (dialogue, target turn, candidate turn) for all pairs."""
    texts = [t.text for turns in dialogues.values() for t in turns]
    vectors = embed_all(texts, desc)
    index = 0
    rows, labels, keys = [], [], []
    for dialogue_id, turns in dialogues.items():
        own = vectors[index : index + len(turns)]
        index += len(turns)
        for target_pos, target, cand_pos, candidate in emotional_pairs(turns):
            rows.append(
                pair_features(
                    candidate.text,
                    target_pos - cand_pos,
                    candidate.speaker == target.speaker,
                    own[cand_pos] * own[target_pos],
                )
            )
            labels.append(candidate.turn in target.cause_turns)
            keys.append((dialogue_id, target.turn, candidate.turn))
    return np.stack(rows), np.array(labels), keys


def train(data: str | Path, out: str | Path) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    dialogues = load_reccon(data, "train")
    ids = sorted(dialogues)
    order = np.random.default_rng(SEED).permutation(len(ids))
    cut = max(1, int(len(ids) * HOLDOUT))
    held_ids = {ids[i] for i in order[:cut]}
    x, y, keys = dialogue_pairs(dialogues, "embedding RECCON train")
    held = np.array([key[0] in held_ids for key in keys])
    model = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced", random_state=SEED)
    model.fit(x[~held], y[~held])
    probs = model.predict_proba(x[held])[:, 1]
    thresholds = np.arange(0.2, 0.9, 0.01)

    def f1_at(threshold: float) -> float:
        predicted = probs >= threshold
        tp = float((predicted & y[held]).sum())
        fp, fn = float((predicted & ~y[held]).sum()), float((~predicted & y[held]).sum())
        return 2 * tp / max(2 * tp + fp + fn, 1.0)

    threshold = float(max(thresholds, key=f1_at))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        coef=model.coef_[0].astype(np.float32),
        intercept=np.float32(model.intercept_[0]),
        threshold=np.float32(threshold),
    )
    return {
        "threshold": threshold,
        "holdout_positive_f1": f1_at(threshold),
        "pairs": float(len(y)),
    }
