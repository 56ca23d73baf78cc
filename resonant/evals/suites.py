"""Eval suites: run a detector over a public dataset's dev split and score it.

Each suite returns (metrics, report rows, predictions). `resonant.evals.harness` turns
that into the Markdown table, the plot, the predictions file and the JSON last line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from resonant.affect import GOEMOTIONS_TO_EKMAN, ekman_of
from resonant.agent.nodes.appraise import fuse_emotion, fuse_safety
from resonant.evals.loaders import (
    DatasetError,
    load_emobank,
    load_goemotions,
    load_reccon,
    load_safety_cases,
)
from resonant.evals.metrics import binary_scores, multilabel_f1, pearson, token_f1
from resonant.skills.base import SkillInput
from resonant.skills.exemplar_safety import ExemplarSafetyDetector
from resonant.skills.linear_emotion import LinearEmotionClassifier
from resonant.skills.pair_cause import PairCauseClassifier, cause_span
from resonant.skills.safety import KeywordSafetyDetector
from resonant.skills.vad_regressor import RidgeVADRegressor, lexicon_features
from resonant.training._features import embed_all


@dataclass
class SuiteResult:
    title: str
    metrics: dict[str, Any]
    rows: list[tuple[str, str]]
    predictions: list[dict[str, Any]]
    plot_values: dict[str, float] = field(default_factory=dict)
    reference: float | None = None
    reference_label: str = ""
    note: str = ""


def goemotions(data: Path, ekman: bool = False) -> SuiteResult:
    examples, labels = load_goemotions(data, "dev", view="original")
    texts = [e.text for e in examples]
    classifier = LinearEmotionClassifier()
    probs = classifier.probabilities(texts, embed_all(texts, "embedding GoEmotions dev"))
    predicted = probs >= classifier.thresholds
    names = classifier.labels
    if ekman:
        # The Ekman view groups the 28 labels; a group is present if any member is.
        groups = sorted(set(GOEMOTIONS_TO_EKMAN.values()))

        def group(matrix: np.ndarray, columns: list[str]) -> np.ndarray:
            return np.stack(
                [
                    matrix[
                        :, [i for i, n in enumerate(columns) if GOEMOTIONS_TO_EKMAN[n] == g]
                    ].any(axis=1)
                    for g in groups
                ],
                axis=1,
            )

        gold_fine = np.array([[n in e.labels for n in labels] for e in examples])
        gold, predicted, names = group(gold_fine, labels), group(predicted, names), groups
    else:
        gold = np.array([[n in e.labels for n in names] for e in examples])
    scores = multilabel_f1(gold, predicted)
    per_label_f1: list[float] = scores["per_label_f1"]  # type: ignore[assignment]
    per_label = dict(zip(names, per_label_f1, strict=True))
    view = "Ekman 7-way" if ekman else "28 labels"
    rows = [
        ("macro-F1 (ours)", f"{scores['macro_f1']:.3f}"),
        ("micro-F1 (ours)", f"{scores['micro_f1']:.3f}"),
    ]
    if not ekman:
        rows.append(("macro-F1, BERT-base (Demszky et al. 2020, test)", "0.46"))
    rows += [(f"F1 {name}", f"{value:.3f}") for name, value in per_label.items()]
    predictions = [
        {"id": e.id, "labels": [n for n, on in zip(names, row, strict=True) if on] or ["neutral"]}
        for e, row in zip(examples, predicted, strict=True)
    ]
    return SuiteResult(
        title=f"GoEmotions dev, {view}: LinearEmotionClassifier",
        metrics={
            "macro_f1": scores["macro_f1"],
            "micro_f1": scores["micro_f1"],
            "per_label_f1": per_label,
            "items": len(examples),
        },
        rows=rows,
        predictions=predictions,
        plot_values=per_label,
        reference=None if ekman else 0.46,
        reference_label="BERT-base macro-F1 (published)",
        note=f"{len(examples)} dev comments; thresholds were tuned on a held-out slice of train.",
    )


def emobank(data: Path) -> SuiteResult:
    rows_dev = load_emobank(data, "dev")
    texts = [r.text for r in rows_dev]
    regressor = RidgeVADRegressor()
    ours = regressor.predict(texts, embed_all(texts, "embedding EmoBank dev"))
    # The regressor's lexicon features are exactly LexiconVADDetector's output.
    base = lexicon_features(texts)
    gold = np.array([(r.vad.v, r.vad.a, r.vad.d) for r in rows_dev])
    metrics: dict[str, Any] = {"items": len(rows_dev)}
    table = []
    for i, axis in enumerate(("valence", "arousal", "dominance")):
        ours_r, base_r = pearson(ours[:, i], gold[:, i]), pearson(base[:, i], gold[:, i])
        metrics[f"pearson_{axis[0]}"] = ours_r
        metrics[f"lexicon_pearson_{axis[0]}"] = base_r
        table += [
            (f"Pearson r {axis} (ours)", f"{ours_r:.3f}"),
            (f"Pearson r {axis} (lexicon baseline)", f"{base_r:.3f}"),
        ]
    predictions = [
        {
            "id": r.id,
            "v": round(float(p[0]), 4),
            "a": round(float(p[1]), 4),
            "d": round(float(p[2]), 4),
        }
        for r, p in zip(rows_dev, ours, strict=True)
    ]
    return SuiteResult(
        title="EmoBank dev: RidgeVADRegressor vs the lexicon baseline",
        metrics=metrics,
        rows=table,
        predictions=predictions,
        plot_values={name: float(value) for name, value in metrics.items() if "pearson" in name},
        note=f"{len(rows_dev)} dev sentences; VAD on [-1, 1] (EmoBank's 1-5 mapped linearly).",
    )


def _safety_file(
    path: Path, prefix: str
) -> tuple[dict[str, Any], list[tuple[str, str]], list[dict[str, Any]], dict[str, float]]:
    cases = load_safety_cases(path)
    keyword = KeywordSafetyDetector()
    # Scoring on the bank itself must not let an example find itself.
    exemplar = ExemplarSafetyDetector(leave_one_out=True)
    keyword_found, found = [], []
    for case in tqdm(cases, desc=path.name):
        by_keyword = keyword.detect(SkillInput(case.text))
        by_exemplar = exemplar.detect(SkillInput(case.text))
        keyword_found.append(by_keyword.flagged)
        # Scored through the agent's own fusion, so the eval measures what users get.
        found.append(fuse_safety([by_keyword.to_dict(), by_exemplar.to_dict()]))
    keyword_only = binary_scores([c.crisis for c in cases], keyword_found)
    overall = binary_scores([c.crisis for c in cases], [d["flagged"] for d in found])
    label = f"{path.name}: "
    metrics: dict[str, Any] = {f"{prefix}{k}": v for k, v in overall.items()}
    metrics[f"{prefix}items"] = len(cases)
    metrics[f"{prefix}keyword_only_recall"] = keyword_only["recall"]
    metrics[f"{prefix}keyword_only_precision"] = keyword_only["precision"]
    rows = [
        (f"{label}recall (crisis flagged)", f"{overall['recall']:.3f}"),
        (f"{label}precision", f"{overall['precision']:.3f}"),
        (f"{label}keyword rules alone: recall", f"{keyword_only['recall']:.3f}"),
        (f"{label}keyword rules alone: precision", f"{keyword_only['precision']:.3f}"),
        (
            f"{label}positives / negatives",
            f"{sum(c.crisis for c in cases)} / {sum(not c.crisis for c in cases)}",
        ),
    ]
    plot = {f"{prefix}recall": overall["recall"], f"{prefix}precision": overall["precision"]}
    for category in sorted({c.category for c in cases if c.category}):
        members = [d for c, d in zip(cases, found, strict=True) if c.category == category]
        recall = sum(d["flagged"] for d in members) / len(members)
        metrics[f"{prefix}recall_{category}"] = recall
        rows.append((f"{label}recall {category} ({len(members)})", f"{recall:.3f}"))
    predictions = [
        {
            "file": path.name,
            "text": c.text,
            "flagged": d["flagged"],
            "category": d["category"],
            "gold": c.crisis,
        }
        for c, d in zip(cases, found, strict=True)
    ]
    return metrics, rows, predictions, plot


def safety(data: Path) -> SuiteResult:
    files = sorted(data.glob("safety*.jsonl")) if data.is_dir() else [data]
    if not files:
        raise DatasetError(f"no safety*.jsonl in {data}; the sets ship in evals/suites/")
    result = SuiteResult(
        title="Crisis cues: keyword rules + exemplar neighbours on the hand-written sets",
        metrics={},
        rows=[],
        predictions=[],
        note="safety.jsonl was used while writing the patterns and is the exemplar bank "
        "(scored leave-one-out); safety_heldout.jsonl was written afterwards and never "
        "tuned on. "
        "Hard negatives include idioms such as 'this exam is killing me'.",
    )
    for path in files:
        prefix = "" if path.stem == "safety" else f"{path.stem.removeprefix('safety_')}_"
        metrics, rows, predictions, plot = _safety_file(path, prefix)
        result.metrics.update(metrics)
        result.rows += rows
        result.predictions += predictions
        result.plot_values.update(plot)
    return result


def reccon(data: Path) -> SuiteResult:
    from resonant.training.cause import dialogue_pairs

    dialogues = load_reccon(data, "valid")
    features, gold, keys = dialogue_pairs(dialogues, "embedding RECCON valid")
    classifier = PairCauseClassifier()
    texts = {(d, t.turn): t for d, turns in dialogues.items() for t in turns}
    systems = {
        ("ours", "ours (PairCauseClassifier)"): classifier.pair_probabilities(features)
        >= classifier.threshold,
        ("self", "baseline: the utterance itself"): np.array([t == c for _, t, c in keys]),
        ("previous", "baseline: the previous turn"): np.array([t - 1 == c for _, t, c in keys]),
    }
    metrics: dict[str, Any] = {"pairs": len(keys), "positive_pairs": int(gold.sum())}
    rows: list[tuple[str, str]] = []
    plot: dict[str, float] = {}
    for (key, name), predicted in systems.items():
        positive = binary_scores(gold, predicted)["f1"]
        negative = binary_scores(~gold, ~predicted)["f1"]
        spans = []
        for (dialogue, target, candidate), chosen in zip(keys, predicted, strict=True):
            turn = texts[(dialogue, target)]
            for cause_turn, gold_span in zip(turn.cause_turns, turn.cause_spans, strict=True):
                if cause_turn == candidate and gold_span:
                    text = texts[(dialogue, candidate)].text
                    start, end = cause_span(text) if key == "ours" else (0, len(text))
                    spans.append(token_f1(text[start:end], gold_span) if chosen else 0.0)
        span_f1 = float(np.mean(spans)) if spans else 0.0
        metrics[f"{key}_positive_f1"] = positive
        metrics[f"{key}_macro_f1"] = (positive + negative) / 2
        metrics[f"{key}_span_f1"] = span_f1
        rows += [
            (f"{name}: positive F1", f"{positive:.3f}"),
            (f"{name}: macro F1", f"{(positive + negative) / 2:.3f}"),
            (f"{name}: span token F1", f"{span_f1:.3f}"),
        ]
        plot[f"{key} positive F1"] = positive
        plot[f"{key} span F1"] = span_f1
    rows += [
        (
            "RoBERTa-base causal pair (Poria et al. 2021, test): positive / macro F1",
            "0.643 / 0.765",
        ),
        ("SpanBERT span F1 (Poria et al. 2021, test)", "0.757"),
    ]
    chosen = systems[("ours", "ours (PairCauseClassifier)")]
    predictions = []
    for (dialogue, target), turn in texts.items():
        if turn.emotion == "neutral":
            continue
        causes = [
            c
            for (d, t, c), on in zip(keys, chosen, strict=True)
            if on and d == dialogue and t == target
        ]
        predicted_spans = [
            texts[(dialogue, c)].text[slice(*cause_span(texts[(dialogue, c)].text))] for c in causes
        ]
        predictions.append(
            {
                "dialogue": dialogue,
                "turn": target,
                "cause_turns": causes,
                "cause_spans": predicted_spans,
            }
        )
    return SuiteResult(
        title="RECCON (DailyDialog) valid: causal utterances and spans",
        metrics=metrics,
        rows=rows,
        predictions=predictions,
        plot_values=plot,
        note=f"{len(keys)} (target, candidate) pairs from the {sum(1 for p in predictions)} "
        "emotional utterances of valid; span F1 is token overlap with the annotated span, "
        "averaged over annotated causal pairs (0 when the pair is missed).",
    )


# RECCON's labels are DailyDialog's Ekman set, with a few spelling variants.
_RECCON_EKMAN = {"happiness": "joy", "happy": "joy", "excited": "joy", "sad": "sadness",
                 "angry": "anger", "surprised": "surprise"}  # fmt: skip


def reccon_emotion(data: Path) -> SuiteResult:
    """The agent's fused emotion reading (all default emotion skills through `appraise`)
    on RECCON's conversational turns, next to each emotion skill alone."""
    from resonant.skills.registry import DEFAULT_SKILLS, load_skills

    turns = [t for turns in load_reccon(data, "valid").values() for t in turns]
    gold = [_RECCON_EKMAN.get(t.emotion, t.emotion) for t in turns]
    skills = [s for s in load_skills(DEFAULT_SKILLS) if s.kind == "emotion"]
    readings = []
    for turn in tqdm(turns, desc="reading RECCON valid", unit="turn"):
        found = [d.to_dict() for s in skills if (d := s.detect(SkillInput(text=turn.text)))]
        readings.append(found)
    systems = {"fused (agent default)": [fuse_emotion(found)["label"] for found in readings]}
    for i, skill in enumerate(skills):
        systems[f"{skill.name} alone"] = [
            ekman_of(found[i]["label"] or "neutral") if len(found) > i else "neutral"
            for found in readings
        ]
    felt = [i for i, label in enumerate(gold) if label != "neutral"]
    metrics: dict[str, Any] = {"turns": len(turns), "emotional_turns": len(felt)}
    rows, plot = [], {}
    for name, predicted in systems.items():
        overall = sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)
        on_felt = sum(predicted[i] == gold[i] for i in felt) / max(1, len(felt))
        key = name.split(" ")[0]
        metrics[f"{key}_accuracy"], metrics[f"{key}_emotional_accuracy"] = overall, on_felt
        rows += [(f"{name}: accuracy, all turns", f"{overall:.3f}"),
                 (f"{name}: accuracy, emotional turns", f"{on_felt:.3f}")]  # fmt: skip
        plot[f"{name} (emotional turns)"] = on_felt
    predictions = [
        {"text": t.text, "gold": g, "fused": f}
        for t, g, f in zip(turns, gold, systems["fused (agent default)"], strict=True)
    ]
    return SuiteResult(
        title="RECCON (DailyDialog) valid: the user's emotion in conversation",
        metrics=metrics,
        rows=rows,
        predictions=predictions,
        plot_values=plot,
        note=f"{len(turns)} turns ({len(felt)} emotional); Ekman labels. Conversational text, "
        "unlike GoEmotions' Reddit comments; never used for training or tuning.",
    )


SUITES: dict[str, Callable[[Path], SuiteResult]] = {
    "goemotions": goemotions,
    "goemotions-ekman": lambda data: goemotions(data, ekman=True),
    "emobank": emobank,
    "safety": safety,
    "reccon": reccon,
    "reccon-emotion": reccon_emotion,
}
