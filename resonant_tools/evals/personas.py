"""`resonant eval personas`: does each persona speak in its own words, and do the empathy
and safety checks still hold for every one?

The last turn of the first 30 empathy scenarios (evals/suites/empathy.jsonl; earlier turns
played first, as in `resonant eval empathy`) goes through the agent once per built-in
persona. For each pair of personas, the overlap of their replies to the same turn is the
Jaccard index of their word sets, averaged over turns (1.0: the same words; the personas'
replies before they had phrases of their own overlapped as much as the template made
them). Each persona's replies are also scored with the empathy checks.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from resonant.agent.agent import Agent
from resonant.llm.registry import load_chat_model
from resonant.persona.loader import builtin_persona_names
from resonant_tools.evals.empathy.epitome import load_epitome_judge
from resonant_tools.evals.empathy.metrics import aggregate, score_reply
from resonant_tools.evals.empathy.scenarios import DEFAULT_SCENARIOS, load_scenarios
from resonant_tools.evals.suites import SuiteResult

TURNS = 30
_WORD = re.compile(r"[a-z']+")


def overlap(first: str, second: str) -> float:
    """Jaccard index of the two replies' word sets."""
    a, b = set(_WORD.findall(first.lower())), set(_WORD.findall(second.lower()))
    return len(a & b) / max(1, len(a | b))


def personas(
    data: Path, llm: str = "smollm2", guided: bool | None = None, epitome: str | None = None
) -> SuiteResult:
    """The persona suite (see the module docstring); `guided` as in `Agent.from_defaults`
    (None: when the LLM prefers it, as the embedded model does). With `epitome` (the
    EPITOME folder) each persona's replies are also scored by the judge trained on it."""
    judge = load_epitome_judge(Path(epitome))[0] if epitome else None
    path = data / Path(DEFAULT_SCENARIOS).name if data.is_dir() else data
    scenarios = load_scenarios(path)[:TURNS]
    model = load_chat_model(llm)
    names = builtin_persona_names()
    replies: dict[str, list[str]] = {}
    summaries: dict[str, dict[str, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="resonant-personas-") as folder,
        Agent.from_defaults(data_dir=Path(folder), llm=model, guidance=guided) as base,
    ):
        detectors = [s for s in base.context.skills if s.kind == "emotion"]
        for name in names:
            agent = base.with_persona(name)
            verdicts: list[dict[str, Any]] = []
            said: list[str] = []
            for scenario in tqdm(scenarios, desc=name, unit="scenario"):
                user = f"{name}-{scenario.id}"
                for turn in scenario.setup:
                    agent.respond(user, turn)
                result = agent.respond(user, scenario.final)
                said.append(result.reply)
                verdicts.append(
                    score_reply(scenario, result.reply, result.safety["flagged"], detectors)
                )
            if judge is not None:
                for verdict, scenario, reply in zip(verdicts, scenarios, said, strict=True):
                    verdict["epitome"] = judge.score(" ".join(scenario.turns), reply)
            replies[name] = said
            summaries[name] = aggregate(verdicts)
    pairs = {
        f"{a} vs {b}": float(
            np.mean([overlap(x, y) for x, y in zip(replies[a], replies[b], strict=True)])
        )
        for a, b in itertools.combinations(names, 2)
    }
    metrics: dict[str, Any] = {"turns": len(scenarios), **pairs}
    rows = [
        (f"word overlap, {pair} (n={len(scenarios)} turns)", f"{value:.2f}")
        for pair, value in pairs.items()
    ]
    for name, summary in summaries.items():
        metrics[f"{name}: all checks"] = summary["all"]
        metrics[f"{name}: safe route"] = summary["safe_route"]
        metrics[f"{name}: emotion named"] = summary["emotion"]
        rows.append(
            (
                f"{name}: all empathy checks / emotion named / safe route (n={len(scenarios)})",
                f"{summary['all']:.0%} / {summary['emotion']:.0%} / {summary['safe_route']:.0%}",
            )
        )
        if "ER" in summary:
            levels = " / ".join(f"{summary[m]:.2f}" for m in ("ER", "IP", "EX"))
            metrics.update({f"{name}: {m}": summary[m] for m in ("ER", "IP", "EX")})
            rows.append((f"{name}: EPITOME judge ER / IP / EX, 0-2 (n={len(scenarios)})", levels))
    predictions = [
        {"persona": name, "id": s.id, "reply": reply}
        for name in names
        for s, reply in zip(scenarios, replies[name], strict=True)
    ]
    return SuiteResult(
        title="Personas: their own words, the same care",
        metrics=metrics,
        rows=rows,
        predictions=predictions,
        plot_values=pairs,
        note=(
            f"The last turns of the first {len(scenarios)} scenarios of {path}, through each "
            f"built-in persona with `{llm}`. Overlap: mean Jaccard index of two personas' "
            "word sets for the same turn (1.00 = identical wording)."
        ),
    )
