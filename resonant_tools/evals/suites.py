"""Eval suites' shared result type, and the hand-written crisis-cue suite.

Each suite returns (metrics, report rows, predictions). `resonant_tools.evals.harness` turns
that into the Markdown table, the plot, the predictions file and the JSON last line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from resonant.skills.base import SkillInput
from resonant.skills.fusion import fuse_safety
from resonant.skills.registry import DEFAULT_SKILLS, load_skills, run_skills
from resonant_tools.data.loaders import DatasetError, load_safety_cases
from resonant_tools.metrics import binary_scores


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


def _safety_file(
    path: Path, prefix: str
) -> tuple[dict[str, Any], list[tuple[str, str]], list[dict[str, Any]], dict[str, float]]:
    cases = load_safety_cases(path)
    skills = [s for s in load_skills(DEFAULT_SKILLS) if s.kind == "safety"]
    keyword_found, found = [], []
    for case in tqdm(cases, desc=path.name):
        detections = run_skills(skills, SkillInput(case.text))
        keyword_found.append(
            any(d["flagged"] for d in detections if d["skill"] == "keyword-safety")
        )
        # Scored through the agent's own fusion, so the eval measures what users get.
        found.append(fuse_safety(detections))
    keyword_only = binary_scores([c.crisis for c in cases], keyword_found)
    overall = binary_scores([c.crisis for c in cases], [d["flagged"] for d in found])
    label = f"{path.name}: "
    metrics: dict[str, Any] = {f"{prefix}{k}": v for k, v in overall.items()}
    metrics[f"{prefix}items"] = len(cases)
    metrics[f"{prefix}keyword_only_recall"] = keyword_only["recall"]
    metrics[f"{prefix}keyword_only_precision"] = keyword_only["precision"]
    positives, negatives = sum(c.crisis for c in cases), sum(not c.crisis for c in cases)
    rows = [
        (f"{label}recall (crisis flagged)", f"{overall['recall']:.3f} (n={positives})"),
        (f"{label}precision", f"{overall['precision']:.3f}"),
        (
            f"{label}false alarms (non-crisis flagged)",
            f"{_false_alarms(cases, [d['flagged'] for d in found]):.3f} (n={negatives})",
        ),
        (f"{label}keyword rules alone: recall", f"{keyword_only['recall']:.3f} (n={positives})"),
        (
            f"{label}keyword rules alone: false alarms",
            f"{_false_alarms(cases, keyword_found):.3f} (n={negatives})",
        ),
    ]
    plot = {f"{prefix}recall": overall["recall"], f"{prefix}precision": overall["precision"]}
    for category in sorted({c.category for c in cases if c.category}):
        members = [d for c, d in zip(cases, found, strict=True) if c.category == category]
        recall = sum(d["flagged"] for d in members) / len(members)
        metrics[f"{prefix}recall_{category}"] = recall
        rows.append((f"{label}recall {category}", f"{recall:.3f} (n={len(members)})"))
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


def _false_alarms(cases: list[Any], flagged: list[bool]) -> float:
    negatives = [f for c, f in zip(cases, flagged, strict=True) if not c.crisis]
    return sum(negatives) / max(1, len(negatives))


def safety(data: Path) -> SuiteResult:
    files = sorted(data.glob("safety*.jsonl")) if data.is_dir() else [data]
    if not files:
        raise DatasetError(f"no safety*.jsonl in {data}; the sets ship in evals/suites/")
    result = SuiteResult(
        title="Crisis cues on the hand-written sets: keyword rules + the encoder's crisis head",
        metrics={},
        rows=[],
        predictions=[],
        note="safety.jsonl was used while writing the patterns and is part of the crisis "
        "training set (the exemplar bank), so its scores are training scores; "
        "safety_heldout.jsonl was never trained or tuned on. Hard negatives include idioms "
        "such as 'this exam is killing me'.",
    )
    for path in files:
        prefix = "" if path.stem == "safety" else f"{path.stem.removeprefix('safety_')}_"
        metrics, rows, predictions, plot = _safety_file(path, prefix)
        result.metrics.update(metrics)
        result.rows += rows
        result.predictions += predictions
        result.plot_values.update(plot)
    return result
