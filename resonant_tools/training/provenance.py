"""Provenance records: what every weights file was trained from, how, and how well it did.

`resonant train` writes `<weights>.provenance.json` beside each file it makes: the data
and their licenses, the exact command, the seed, the held-out metrics, the code's git
commit and a SHA-256 of the weights, so a file found on disk can be traced and remade.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any


def provenance_path(weights: str | Path) -> Path:
    weights = Path(weights)
    return weights.with_name(weights.name + ".provenance.json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _git_commit() -> str | None:
    """The commit of the code that trained the weights, when it runs from a git checkout."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None


def write_provenance(
    weights: str | Path, trainer: ModuleType, command: list[str], metrics: dict[str, Any]
) -> Path:
    """Write the record for `weights` made by `trainer` (a resonant_tools.training module,
    which declares SOURCES and SEED) with `command`; return the record's path."""
    weights = Path(weights)
    record = {
        "weights": weights.name,
        "sha256": _sha256(weights),
        "trainer": trainer.__name__,
        "data": list(trainer.SOURCES),
        "command": " ".join(command),
        "seed": trainer.SEED,
        "metrics": metrics,
        "code_commit": _git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = provenance_path(weights)
    path.write_text(json.dumps(record, indent=2, default=float) + "\n", encoding="utf-8")
    return path
