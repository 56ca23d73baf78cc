"""Running the empathy scenarios through the agent under each rung of the ablation ladder.

Every rung gets a fresh store. A scenario's earlier turns are played by a scene-setting
agent that shares the store and checkpoints but always answers with one fixed line, so
every rung sees exactly the same past and only the scored reply differs.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from resonant.agent.agent import Agent
from resonant.agent.context import ABLATIONS, Conditioning
from resonant.llm.base import ChatModel
from resonant.llm.testing import ScriptedChatModel
from resonant.skills.base import Skill
from resonant_tools.evals.empathy.epitome import EpitomeJudge
from resonant_tools.evals.empathy.judge import EmpathyJudge
from resonant_tools.evals.empathy.metrics import aggregate, score_reply
from resonant_tools.evals.empathy.scenarios import Scenario

SCENE_REPLY = "Thank you for telling me."
EARLIER, NOW = "earlier", "now"


@dataclass
class RungResult:
    llm: str
    rung: str
    summary: dict[str, float]
    replies: list[dict[str, Any]] = field(default_factory=list)


def run_rung(
    scenarios: Sequence[Scenario],
    llm: ChatModel,
    llm_label: str,
    rung: str,
    *,
    guided: bool | None = None,
    judge: EmpathyJudge | None = None,
    epitome: EpitomeJudge | None = None,
    reply_detectors: Sequence[Skill] = (),
) -> RungResult:
    """Play every scenario with the reply conditioned as `rung` says.

    `guided` overrides the rung's guidance setting (None: the LLM's preference); the bare
    rung is never guided, it is the LLM on its own.
    """
    conditioning: Conditioning = ABLATIONS[rung]
    if guided is not None and not conditioning.bare:
        conditioning = dataclasses.replace(conditioning, guided=guided)
    verdicts, replies = [], []
    with (
        tempfile.TemporaryDirectory(prefix="resonant-empathy-") as folder,
        Agent.from_defaults(data_dir=Path(folder), llm=llm) as base,
    ):
        scorer = base.with_conditioning(conditioning)
        scene = base.with_conditioning(Conditioning(), llm=ScriptedChatModel([SCENE_REPLY]))
        detectors = reply_detectors or [s for s in base.context.skills if s.kind == "emotion"]
        for scenario in tqdm(scenarios, desc=f"{llm_label} {rung}", unit="scenario"):
            setup_conversation = EARLIER if scenario.facts else NOW
            for turn in scenario.setup:
                scene.respond(scenario.id, turn, conversation=setup_conversation)
            result = scorer.respond(scenario.id, scenario.final, conversation=NOW)
            verdict: dict[str, Any] = score_reply(
                scenario, result.reply, result.safety["flagged"], detectors
            )
            if judge is not None:
                verdict["judge"] = judge.score(list(scenario.turns), result.reply)
            if epitome is not None:
                verdict["epitome"] = epitome.score(" ".join(scenario.turns), result.reply)
            verdicts.append(verdict)
            replies.append(
                {"id": scenario.id, "rung": rung, "llm": llm_label, "reply": result.reply,
                 "detected": result.user_emotion["label"], **verdict}
            )  # fmt: skip
    return RungResult(llm_label, rung, aggregate(verdicts), replies)
