"""Crisis cues by semantic nearest neighbours among labelled examples.

Keyword rules miss paraphrases ("I wrote goodbye letters to my family"). This skill
embeds the turn and looks at its nearest neighbours in a hand-written bank of crisis and
non-crisis examples (hard negatives included), so meaning, not wording, decides. It runs
beside `KeywordSafetySkill`; either one flagging routes the turn through `safeguard`.
"""

from __future__ import annotations

import json
import threading
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from resonant.embedding import Embedder, shared_embedder
from resonant.skills.base import Detection, SkillInput
from resonant.skills.safety import is_idiomatic

# Chosen by leave-one-out on the bank itself (evals/REPORT.md): 3 neighbours, and the
# nearest must be a crisis example at cosine >= 0.45.
NEIGHBOURS = 3
MIN_SIMILARITY = 0.45


def default_bank() -> Path:
    return Path(str(resources.files("resonant.skills").joinpath("data", "safety_exemplars.jsonl")))


class ExemplarSafetySkill:
    """Flags a turn whose nearest labelled neighbours are crisis disclosures.

    Args:
        bank: JSON lines of {"text", "crisis", "category"}; default: the shipped bank.
        leave_one_out: ignore bank entries identical to the turn (for scoring on the bank).
    """

    name = "exemplar-safety"
    kind = "safety"

    def __init__(
        self,
        bank: str | Path | None = None,
        embedder: Embedder | None = None,
        *,
        leave_one_out: bool = False,
    ):
        self.bank_path = Path(bank) if bank else default_bank()
        self._embedder = embedder
        self.leave_one_out = leave_one_out
        self._lock = threading.Lock()
        self._bank: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        with self._lock:
            if self._bank is None:
                rows = [
                    json.loads(line)
                    for line in self.bank_path.read_text(encoding="utf-8").splitlines()
                    if line.strip()
                ]
                texts = [row["text"] for row in rows]
                self._bank = {
                    "texts": texts,
                    "crisis": np.array([bool(row["crisis"]) for row in rows]),
                    "category": [row.get("category") for row in rows],
                    "vectors": (self._embedder or shared_embedder()).embed(texts),
                }
            return self._bank

    def detect(self, turn: SkillInput) -> Detection:
        bank = self._load()
        query = (self._embedder or shared_embedder()).embed([turn.text])[0]
        similarity = bank["vectors"] @ query
        if self.leave_one_out:
            similarity = np.where([text == turn.text for text in bank["texts"]], -1.0, similarity)
        nearest = np.argsort(-similarity)[:NEIGHBOURS]
        vote = float(sum(similarity[i] * (1 if bank["crisis"][i] else -1) for i in nearest))
        top = int(nearest[0])
        # Known idioms ("this week almost killed me") sit close to real disclosures in
        # embedding space; the keyword detector's idiom list vetoes them here too.
        flagged = bool(
            bank["crisis"][top]
            and similarity[top] >= MIN_SIMILARITY
            and vote > 0
            and not is_idiomatic(turn.text)
        )
        return Detection(
            skill=self.name,
            kind="safety",
            flagged=flagged,
            category=bank["category"][top] if flagged else None,
            label=bank["texts"][top] if flagged else None,
            score=float(similarity[top]),
        )
