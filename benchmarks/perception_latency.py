"""Latency of the agent's perception: every default skill on one turn, uncached.

Reads N different turns (half with three turns of context, some long) one at a time,
as the `detect` node does, with a fresh cache for each, and reports p50/p95 for the
affect encoder alone (all heads) and for all default skills together, plus the size of
the shipped weights. Writes a Markdown table.

    python benchmarks/perception_latency.py --turns 200
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from pathlib import Path

from tqdm import tqdm

from resonant.skills import SkillInput, Utterance
from resonant.skills.affect_encoder import AffectEncoder, default_weights
from resonant.skills.registry import DEFAULT_SKILLS, load_skills
from resonant_tools.metrics import percentile

OPENINGS = [
    "I can't believe my sister forgot my birthday again",
    "We finally closed on the house today!",
    "My boss keeps piling work on me and I'm exhausted",
    "Okay.",
    "What do you think I should do?",
    "I've been feeling really low since the breakup",
    "The exam results come out tomorrow and I'm terrified",
    "Thanks, that actually helps a lot",
]
CONTEXT = [
    Utterance("user", "Work has been rough lately."),
    Utterance("assistant", "That sounds draining. What's been the hardest part?"),
    Utterance("user", "Mostly my manager, honestly."),
]


def turns(count: int, seed: int = 0) -> list[SkillInput]:
    rng = random.Random(seed)
    made = []
    for i in range(count):
        text = f"{rng.choice(OPENINGS)} (turn {i})"
        if i % 10 == 9:  # a long message now and then: a paragraph of several sentences
            text = " ".join(rng.choice(OPENINGS) for _ in range(8))
        made.append(SkillInput(text, tuple(CONTEXT) if i % 2 else ()))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--out", default="benchmarks/results/perception_latency.md")
    args = parser.parse_args()
    encoder = AffectEncoder()
    skills = load_skills(DEFAULT_SKILLS)
    for skill in skills:  # one shared encoder, so the cache can be cleared between turns
        if hasattr(skill, "_encoder"):
            skill._encoder = encoder
    warm = turns(5, seed=1)
    for turn in warm:
        encoder.read(turn.text, [u.text for u in turn.history])
        for skill in skills:
            skill.detect(turn)
    encoder_ms, skills_ms = [], []
    for turn in tqdm(turns(args.turns), desc="perception", unit="turn"):
        encoder._cache.clear()
        start = time.perf_counter()
        encoder.read(turn.text, [u.text for u in turn.history])
        encoder_ms.append((time.perf_counter() - start) * 1000)
        encoder._cache.clear()
        start = time.perf_counter()
        for skill in skills:
            skill.detect(turn)
        skills_ms.append((time.perf_counter() - start) * 1000)
    size_mb = default_weights().stat().st_size / 1e6
    lines = [
        "# Perception latency (one turn, uncached)",
        "",
        f"{args.turns} turns (half with 3 turns of context, 1 in 10 a long paragraph); "
        f"{platform.processor() or platform.machine()}, "
        f"`python benchmarks/perception_latency.py --turns {args.turns}`.",
        "",
        "| what | p50 ms | p95 ms |",
        "|---|---|---|",
        f"| affect encoder, all heads | {percentile(encoder_ms, 50):.1f} | "
        f"{percentile(encoder_ms, 95):.1f} |",
        f"| all default skills ({', '.join(DEFAULT_SKILLS)}) | "
        f"{percentile(skills_ms, 50):.1f} | {percentile(skills_ms, 95):.1f} |",
        "",
        f"Goal: p50 <= 25 ms for all heads. Shipped weights: {size_mb:.1f} MB "
        f"({default_weights().name}, fp16, compressed).",
        "",
    ]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
