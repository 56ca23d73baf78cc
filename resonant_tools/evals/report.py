"""Writing eval results: a Markdown table people can read in a diff, and a bar plot."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def markdown_table(title: str, rows: Sequence[tuple[str, str]], note: str = "") -> str:
    lines = [f"# {title}\n"]
    if note:
        lines.append(f"{note}\n")
    lines += ["| metric | value |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines) + "\n"


def bar_plot(
    path: Path,
    title: str,
    values: Mapping[str, float],
    reference: float | None = None,
    reference_label: str = "published",
) -> Path | None:
    """A horizontal bar chart of named values; None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = list(values)
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.28 * len(names) + 1)))
    ax.barh(names, [values[n] for n in names], color="#5b8def")
    if reference is not None:
        ax.axvline(reference, color="#d9534f", linestyle="--", label=reference_label)
        ax.legend(loc="lower right")
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlim(0, 1)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_predictions(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
