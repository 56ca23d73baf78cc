"""Cold start of `resonant respond`: a new process, a new data folder, one reply.

Runs the real console entry point several times with the embedded SmolLM2 and with the
scripted LLM (to separate start-up from generation) and writes a Markdown table.

    python benchmarks/cold_start.py --runs 5 --out benchmarks/results/cold_start.md
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

MESSAGE = "I finally finished my thesis and I'm so relieved!"


def one_run(llm: str | None) -> tuple[float, dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "resonant", "respond", "--data-dir", folder, "--json"]
        if llm:
            command += ["--llm", llm]
        started = time.perf_counter()
        proc = subprocess.run(
            [*command, MESSAGE],
            capture_output=True,
            check=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        wall = time.perf_counter() - started
    return wall, json.loads(proc.stdout)["timings_ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/cold_start.md"))
    args = parser.parse_args()
    lines = [
        "# Cold start of `resonant respond --json`\n",
        f"{args.runs} runs each, a fresh process and data folder every time, "
        "`python benchmarks/cold_start.py`. Node timings are from the JSON trace; the first "
        "turn pays for loading the embedder (in `recall`/`remember`) and the LLM (`respond`).\n",
        "| LLM | wall p50 s | wall max s | respond p50 ms | remember+recall p50 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, llm in (("smollm2 (embedded default)", None), ("scripted", "scripted")):
        runs = [one_run(llm) for _ in tqdm(range(args.runs), desc=label, unit="run")]
        walls = [wall for wall, _ in runs]
        respond = [t["respond"] for _, t in runs]
        memory = [t["recall"] + t["remember"] for _, t in runs]
        lines.append(
            f"| {label} | {statistics.median(walls):.2f} | {max(walls):.2f} | "
            f"{statistics.median(respond):.0f} | {statistics.median(memory):.0f} |"
        )
    report = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
