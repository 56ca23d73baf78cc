"""Running an eval suite end to end: table, plot, predictions and a JSON summary line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from resonant_tools.data.loaders import DatasetError, resolve_data
from resonant_tools.evals import perception
from resonant_tools.evals.hard_cases import hard_cases
from resonant_tools.evals.locomo import locomo
from resonant_tools.evals.personas import personas
from resonant_tools.evals.report import bar_plot, markdown_table, write_predictions
from resonant_tools.evals.suites import SuiteResult, safety

SUITES: dict[str, Callable[..., SuiteResult]] = {
    "goemotions": perception.goemotions,
    "goemotions-ekman": lambda data: perception.goemotions(data, ekman=True),
    "emobank": perception.emobank,
    "reccon": perception.reccon_causes,
    "reccon-emotion": perception.reccon_emotion,
    "crisis": perception.crisis,
    "safety": safety,
    "locomo": locomo,
    "hard-cases": hard_cases,
    "personas": personas,
}

DEFAULT_REPORT_DIR = Path("evals") / "reports"


def run_eval(
    suite: str,
    data: str | Path,
    *,
    predictions: str | Path | None = None,
    report_dir: str | Path = DEFAULT_REPORT_DIR,
    **options: Any,
) -> dict[str, Any]:
    """Run `suite` on the dataset at `data`; returns the metrics (also written to disk).
    `options` go to the suite (locomo: k).

    Raises:
        DatasetError: unknown suite, or the data is missing or malformed.
    """
    if suite not in SUITES:
        raise DatasetError(f"unknown eval suite {suite!r}; choose from {', '.join(SUITES)}")
    result = SUITES[suite](resolve_data(data), **options)
    folder = Path(report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    table = markdown_table(result.title, result.rows, result.note)
    plot = bar_plot(
        folder / f"{suite}.png",
        result.title,
        result.plot_values,
        result.reference,
        result.reference_label,
    )
    if plot is not None:
        table += f"\n![{suite}]({plot.name})\n"
    (folder / f"{suite}.md").write_text(table, encoding="utf-8")
    if predictions is not None:
        write_predictions(Path(predictions), result.predictions)
    summary = {"suite": suite, **result.metrics, "report": str(folder / f"{suite}.md")}
    print(table)
    print(json.dumps(summary))
    return summary
