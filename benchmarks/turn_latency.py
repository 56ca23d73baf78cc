"""Per-turn latency of everything except LLM generation, with a realistic memory load.

Seeds one user with N memories, then runs T turns through the full graph with the
scripted LLM (so generation costs ~nothing) and reports p50/p95 per node and for
detect + appraise + recall + remember. Writes a Markdown table.

    python benchmarks/turn_latency.py --turns 200 --memories 1000
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from resonant import VAD, Agent
from resonant.memory import NewMemory
from resonant_tools.metrics import percentile

SUBJECTS = [
    "my sister",
    "my boss",
    "my dog",
    "my best friend",
    "my landlord",
    "my dad",
    "my team",
    "my partner",
    "my neighbour",
    "my teacher",
]
EVENTS = [
    "yelled at me",
    "surprised me with a party",
    "got sick",
    "moved away",
    "ignored my message",
    "told me good news",
    "forgot my birthday",
    "lost their job",
    "won an award",
    "broke a promise",
]
FEELINGS = [
    "I'm so sad",
    "I'm furious",
    "I feel anxious",
    "I'm thrilled",
    "I feel lonely",
    "I'm worried",
    "I'm relieved",
    "I feel hurt",
    "I'm grateful",
    "I'm exhausted",
]
MEASURED = ("detect", "appraise", "recall", "remember")


def utterance(rng: random.Random) -> str:
    return f"{rng.choice(FEELINGS)} because {rng.choice(SUBJECTS)} {rng.choice(EVENTS)}."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--memories", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/turn_latency.md"))
    args = parser.parse_args()
    rng = random.Random(0)

    with (
        tempfile.TemporaryDirectory() as folder,
        Agent.from_defaults(data_dir=folder, llm="scripted") as agent,
    ):
        for _ in tqdm(range(args.memories), desc="seeding memories", unit="mem"):
            agent.store.add_memory(
                "bench",
                NewMemory(
                    utterance(rng),
                    rng.choice(["joy", "sadness", "anger", "fear"]),
                    VAD(rng.uniform(-1, 1), rng.uniform(-1, 1), 0.0),
                    rng.random(),
                ),
            )
        for _ in range(args.warmup):
            agent.respond("bench", utterance(rng))
        samples: dict[str, list[float]] = {node: [] for node in (*MEASURED, "perceive")}
        non_llm: list[float] = []
        wall: list[float] = []
        for _ in tqdm(range(args.turns), desc="turns", unit="turn"):
            started = time.perf_counter()
            result = agent.respond("bench", utterance(rng))
            wall.append((time.perf_counter() - started) * 1000)
            for node in samples:
                samples[node].append(result.timings_ms[node])
            non_llm.append(sum(result.timings_ms[node] for node in MEASURED))

    rows = [(node, samples[node]) for node in ("perceive", *MEASURED)]
    rows += [("**detect+appraise+recall+remember**", non_llm), ("whole turn (scripted LLM)", wall)]
    lines = [
        "# Per-turn latency without LLM generation\n",
        f"{args.turns} turns, {args.memories} stored memories for the user, scripted LLM; "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"`python benchmarks/turn_latency.py --turns {args.turns} --memories {args.memories}`.\n",
        "| stage | p50 ms | p95 ms | mean ms |",
        "|---|---:|---:|---:|",
    ]
    for name, values in rows:
        lines.append(
            f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | "
            f"{statistics.fmean(values):.1f} |"
        )
    report = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
