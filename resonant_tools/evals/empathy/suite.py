"""`resonant eval empathy`: scenarios x LLMs x ablation rungs -> table, plot, replies."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from resonant.agent.context import ABLATIONS
from resonant.llm.registry import load_chat_model
from resonant.llm.testing import ScriptedChatModel
from resonant_tools.data.loaders import DatasetError
from resonant_tools.evals.empathy.epitome import epitome_report, load_epitome_judge
from resonant_tools.evals.empathy.judge import EmpathyJudge
from resonant_tools.evals.empathy.report import write_report
from resonant_tools.evals.empathy.run import RungResult, run_rung
from resonant_tools.evals.empathy.scenarios import DEFAULT_SCENARIOS, load_scenarios

GUIDANCE = {"auto": None, "on": True, "off": False}


def run_empathy(
    *,
    scenarios: str | Path = DEFAULT_SCENARIOS,
    llms: Sequence[str] = ("smollm2",),
    rungs: Sequence[str] = tuple(ABLATIONS),
    guidance: str = "auto",
    judge: str | None = None,
    epitome: str | Path | None = None,
    limit: int | None = None,
    report_dir: str | Path = Path("evals") / "reports",
) -> list[RungResult]:
    """Play the scenarios with each LLM under each ablation rung, and the guided templates
    with no model at all ("template alone"), and write the report. `epitome`: the EPITOME
    folder, to score every reply with the independent judge trained on it.

    Raises:
        DatasetError: the scenario file is missing or malformed, or a rung is unknown.
        BackendConfigError: an LLM or judge string is malformed.
    """
    unknown = [r for r in rungs if r not in ABLATIONS]
    if unknown:
        raise DatasetError(f"unknown ablation {unknown[0]!r}; choose from {', '.join(ABLATIONS)}")
    chosen = load_scenarios(scenarios)[:limit]
    empathy_judge = EmpathyJudge(load_chat_model(judge)) if judge else None
    epitome_judge = None
    judge_note = ""
    if epitome is not None:
        epitome_judge, trained = load_epitome_judge(Path(epitome))
        judge_note = epitome_report(trained)
        print(judge_note)
    results = []
    for spec in llms:
        model = load_chat_model(spec)
        try:
            for rung in rungs:
                results.append(
                    run_rung(
                        chosen,
                        model,
                        spec,
                        rung,
                        guided=GUIDANCE[guidance],
                        judge=empathy_judge,
                        epitome=epitome_judge,
                    )
                )
        finally:
            if hasattr(model, "close"):
                model.close()
    # The trivial baseline: the guided openings and follow-ups, no model words at all.
    results.append(
        run_rung(
            chosen,
            ScriptedChatModel([""]),
            "template alone",
            "full",
            guided=True,
            judge=empathy_judge,
            epitome=epitome_judge,
        )
    )
    note = (
        f"{len(chosen)} scenarios from `{scenarios}`; guidance `{guidance}`"
        + (f"; judge `{judge}` (EPITOME rubric)" if judge else "")
        + (
            "; ER/IP/EX: mean level (0-2) of emotional reactions, interpretations and "
            "explorations by the EPITOME-trained judge"
            if epitome
            else ""
        )
        + ". Each cell is the share of applicable scenarios passing the check; `all` passes "
        "every applicable check. Rungs add signals cumulatively: bare (the LLM alone) -> "
        "+emotion -> +cause -> +memory -> full (+persona and VAD)."
    )
    text = write_report(
        results, Path(report_dir), title="Empathy ablation", note=f"{note}\n\n{judge_note}".strip()
    )
    print(text)
    for result in results:
        print(json.dumps({"llm": result.llm, "rung": result.rung, **result.summary}))
    return results
