"""`resonant eval hard-cases`: replies to events whose surface words mislead.

Each case of evals/suites/hard_cases.jsonl is played in a conversation of its own (earlier
turns first, in the same conversation, so a question about them can be answered from
memory) and its last reply is checked for what it must not do: congratulate (a loss, a
grief occasion, sarcastic "great" news), apologise (for relief or good news), or, for a
direct question, ignore it (none of the case's answer stems in the reply). Three agents
reply: the full agent with the chosen LLM, the bare LLM (no persona, detectors or memory,
unguided), and the template alone (guided openings and follow-ups with a model that
writes nothing).
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from resonant.agent.agent import Agent
from resonant.agent.context import ABLATIONS, Conditioning
from resonant.llm.base import ChatModel
from resonant.llm.registry import load_chat_model
from resonant.llm.testing import ScriptedChatModel
from resonant_tools.data.loaders import DatasetError
from resonant_tools.evals.suites import SuiteResult

DEFAULT_FILE = "hard_cases.jsonl"
CHECKS = ("congratulate", "apologise", "ignore question")
# Phrases that congratulate or celebrate, and phrases that apologise or commiserate.
# (Including the built-in personas' own celebrating openings: "that's lovely", "that's
# huge", "nice, ...", "I'm glad".)
CONGRATULATE_RE = re.compile(
    r"\b(?:that's|that is|how) (?:wonderful|great|amazing|awesome|fantastic|exciting|"
    r"lovely|huge)|\b(?:great|wonderful|good) to hear|congrat\w*|happy for you|"
    r"good news|how (?:are|will) you (?:going to )?celebrate|\byay\b|^\W*(?:nice|yes)\b|"
    r"\bi'm (?:so )?glad\b|love (?:this|hearing)",
    re.IGNORECASE,
)
APOLOGISE_RE = re.compile(
    r"\bsorry\b|\bawful\b|\bterrible\b|that's rough|sounds (?:really )?(?:hard|painful|scary)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class HardCase:
    id: str
    kind: str
    turns: tuple[str, ...]
    forbid: tuple[str, ...]
    answer: tuple[str, ...]


def load_hard_cases(path: Path) -> list[HardCase]:
    """The cases of a JSON Lines file (lines starting with // are comments).

    Raises:
        DatasetError: unreadable file, bad JSON or a missing field, naming the line.
    """
    if path.is_dir():
        path = path / DEFAULT_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"{path}: {exc}") from exc
    cases = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("//"):
            continue
        try:
            raw = json.loads(line)
            cases.append(
                HardCase(
                    id=str(raw["id"]),
                    kind=str(raw["kind"]),
                    turns=tuple(str(t) for t in raw["turns"]),
                    forbid=tuple(str(f) for f in raw["forbid"]),
                    answer=tuple(str(a).lower() for a in raw["answer"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise DatasetError(f"{path}:{number}: not a hard case ({exc!r})") from exc
    return cases


def violations(case: HardCase, reply: str) -> list[str]:
    """What the reply did that the case forbids."""
    found = []
    if "congratulate" in case.forbid and CONGRATULATE_RE.search(reply):
        found.append("congratulate")
    if "apologise" in case.forbid and APOLOGISE_RE.search(reply):
        found.append("apologise")
    if case.answer and not any(stem in reply.lower() for stem in case.answer):
        found.append("ignore question")
    return found


def _replies(
    cases: list[HardCase], llm: ChatModel, conditioning: Conditioning, label: str
) -> list[str]:
    replies = []
    with (
        tempfile.TemporaryDirectory(prefix="resonant-hard-") as folder,
        Agent.from_defaults(data_dir=Path(folder), llm=llm) as base,
    ):
        agent = base.with_conditioning(conditioning)
        for case in tqdm(cases, desc=label, unit="case"):
            for turn in case.turns:
                result = agent.respond(f"case-{case.id}", turn)
            replies.append(result.reply)
    return replies


def hard_cases(data: Path, llm: str = "smollm2") -> SuiteResult:
    """The hard-cases suite (see the module docstring)."""
    cases = load_hard_cases(data)
    model = load_chat_model(llm)
    systems = {
        f"full agent ({llm})": (model, Conditioning()),
        f"bare LLM ({llm})": (model, ABLATIONS["bare"]),
        "template alone": (ScriptedChatModel([""]), Conditioning(guided=True)),
    }
    outcome: dict[str, list[dict[str, Any]]] = {}
    for name, (chat_model, conditioning) in systems.items():
        replies = _replies(cases, chat_model, conditioning, name)
        outcome[name] = [
            {
                "id": case.id,
                "kind": case.kind,
                "reply": reply,
                "violations": violations(case, reply),
            }
            for case, reply in zip(cases, replies, strict=True)
        ]
    metrics: dict[str, Any] = {"cases": len(cases)}
    rows: list[tuple[str, str]] = []
    for check in CHECKS:
        applicable = [
            c for c in cases if (check in c.forbid) or (check == "ignore question" and c.answer)
        ]
        cells = []
        for name, verdicts in outcome.items():
            wrong = sum(
                check in v["violations"]
                for v, c in zip(verdicts, cases, strict=True)
                if c in applicable
            )
            metrics[f"{name}: {check}"] = wrong
            cells.append(f"{name} {wrong}")
        rows.append((f"replies that {check} (of n={len(applicable)})", " · ".join(cells)))
    for name, verdicts in outcome.items():
        clean = sum(not v["violations"] for v in verdicts)
        metrics[f"{name}: clean"] = clean
        rows.append((f"{name}: replies with no violation", f"{clean} / {len(cases)}"))
    predictions = [
        {"system": name, **verdict} for name, verdicts in outcome.items() for verdict in verdicts
    ]
    return SuiteResult(
        title="Hard cases: replies that must not congratulate, apologise or ignore",
        metrics=metrics,
        rows=rows,
        predictions=predictions,
        plot_values={name: metrics[f"{name}: clean"] / len(cases) for name in outcome},
        note=(
            f"{len(cases)} hand-written cases ({data}); each reply checked by phrase lists "
            "(resonant_tools/evals/hard_cases.py). Fewer is better for violations."
        ),
    )
