"""Metrics used by the eval suites, in plain numpy so results are easy to audit."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence

import numpy as np


def percentile(values: Sequence[float], q: int) -> float:
    """The q-th percentile (1-99), interpolated between samples; what benchmarks report."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def f1(tp: float, fp: float, fn: float) -> float:
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def multilabel_f1(gold: np.ndarray, pred: np.ndarray) -> dict[str, object]:
    """Macro- and micro-F1 over boolean (n_items, n_labels) matrices, and per-label F1."""
    tp = (gold & pred).sum(axis=0).astype(float)
    fp = (~gold & pred).sum(axis=0).astype(float)
    fn = (gold & ~pred).sum(axis=0).astype(float)
    per_label = [f1(t, p, n) for t, p, n in zip(tp, fp, fn, strict=True)]
    return {
        "macro_f1": float(np.mean(per_label)),
        "micro_f1": f1(tp.sum(), fp.sum(), fn.sum()),
        "per_label_f1": per_label,
    }


def pearson(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def binary_scores(
    gold: Sequence[bool] | np.ndarray, pred: Sequence[bool] | np.ndarray
) -> dict[str, float]:
    g, p = np.asarray(gold, dtype=bool), np.asarray(pred, dtype=bool)
    tp, fp, fn = float((g & p).sum()), float((~g & p).sum()), float((g & ~p).sum())
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": f1(tp, fp, fn),
        "support": float(g.sum()),
    }


_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def span_tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower())


def token_f1(predicted: str, gold: str) -> float:
    """SQuAD-style token-overlap F1 between two spans (RECCON's span metric)."""
    p, g = Counter(span_tokens(predicted)), Counter(span_tokens(gold))
    overlap = sum((p & g).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def weighted_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Support-weighted mean of per-class F1 (the ERC convention on MELD and DailyDialog)."""
    total = len(gold)
    if total == 0:
        return 0.0
    score = 0.0
    for label, support in Counter(gold).items():
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        score += support / total * f1(tp, fp, support - tp)
    return score


_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + insertions + deletions, words in the reference), case and
    punctuation ignored: sum both over a set and divide for its word error rate."""
    ref, hyp = _WORD_RE.findall(reference.lower()), _WORD_RE.findall(hypothesis.lower())
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, heard in enumerate(hyp, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (word != heard))
    return row[len(hyp)], len(ref)
