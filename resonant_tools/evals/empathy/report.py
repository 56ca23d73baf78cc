"""The ablation table (Markdown) and plot (PNG) of an empathy run, plus every reply."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from resonant_tools.evals.empathy.metrics import METRICS
from resonant_tools.evals.empathy.run import RungResult

COLUMNS = (*METRICS, "all")


# EPITOME's mechanisms, scored as a mean level on [0, 2] (resonant_tools.evals.empathy.epitome).
LEVELS = ("ER", "IP", "EX")


def _cell(summary: dict[str, float], column: str) -> str:
    value = summary.get(column)
    if value is None or math.isnan(value):
        return "n/a"
    n = int(summary.get(f"n_{column}", 0))
    shown = f"{value:.2f}" if column in LEVELS else f"{value:.0%}"
    return f"{shown} (n={n})"


def ablation_table(results: Sequence[RungResult]) -> str:
    columns: tuple[str, ...] = COLUMNS
    if any("judge" in r.summary for r in results):
        columns = (*columns, "judge")
    if any("ER" in r.summary for r in results):
        columns = (*columns, *LEVELS)
    lines = []
    for llm in dict.fromkeys(r.llm for r in results):
        lines += [f"\n**{llm}**\n", "| rung | " + " | ".join(columns) + " |"]
        lines.append("|---|" + "---:|" * len(columns))
        for result in (r for r in results if r.llm == llm):
            cells = [_cell(result.summary, c) for c in columns]
            lines.append(f"| {result.rung} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def ablation_plot(results: Sequence[RungResult], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    llms = list(dict.fromkeys(r.llm for r in results))
    fig, axes = plt.subplots(len(llms), 1, figsize=(10, 3.2 * len(llms)), squeeze=False)
    for ax, llm in zip(axes[:, 0], llms, strict=True):
        rungs = [r for r in results if r.llm == llm]
        width = 0.8 / len(rungs)
        for i, result in enumerate(rungs):
            values = [result.summary.get(c, float("nan")) for c in COLUMNS]
            ax.bar([x + i * width for x in range(len(COLUMNS))], values, width, label=result.rung)
        ax.set_xticks([x + 0.4 - width / 2 for x in range(len(COLUMNS))], list(COLUMNS))
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("share of scenarios")
        ax.set_title(llm)
        ax.legend(ncol=len(rungs), fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(results: Sequence[RungResult], folder: Path, *, title: str, note: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    text = f"# {title}\n\n{note}\n{ablation_table(results)}"
    plot = ablation_plot(results, folder / "empathy.png")
    if plot is not None:
        text += f"\n![empathy ablation]({plot.name})\n"
    (folder / "empathy.md").write_text(text, encoding="utf-8")
    with (folder / "empathy_replies.jsonl").open("w", encoding="utf-8") as out:
        for result in results:
            for reply in result.replies:
                out.write(json.dumps(reply, ensure_ascii=False) + "\n")
    return text
