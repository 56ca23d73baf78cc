"""`resonant eval locomo`: does recall find the evidence of LoCoMo's questions?

Each conversation goes into a fresh memory store through the product's own write path:
every turn becomes a memory of one owner, with its speaker, the turn it answered as
context, its session's date as its time, and the affect encoder's emotion, VAD and the
salience they give (as the agent stores its users' turns). "Now" is just after the last
session. Each question is then asked through the product's own `recall`, and the dia_ids
of the memories it returns are scored against the question's evidence: recall@5 and
@10 (the share of a question's evidence turns in its top k), per question category,
beside the same store searched by meaning alone (dense) and by words alone (lexical).

Questions without `evidence` (the form in which the project is checked independently)
are answered and written to the predictions file, and simply not scored.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from resonant.embedding import shared_embedder
from resonant.memory.retrieval import salience_of
from resonant.memory.store import MemoryStore, NewMemory
from resonant.skills.affect_encoder import shared_affect_encoder
from resonant_tools.data.locomo import LocomoConversation, load_locomo
from resonant_tools.evals.suites import SuiteResult

# LoCoMo's question categories, as numbered in the published files.
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
MODES = {"hybrid": (True, True), "dense only": (False, True), "lexical only": (True, False)}
OWNER = "locomo"


def memories_of(conversation: LocomoConversation) -> list[NewMemory]:
    """The conversation's turns as the agent would store them (see the module docstring)."""
    encoder = shared_affect_encoder()
    readings = encoder.read_many([(turn.text, ()) for turn in conversation.turns])
    memories = []
    previous = None
    for turn, reading in zip(conversation.turns, readings, strict=True):
        emotion = max(reading.ekman, key=reading.ekman.__getitem__)
        memories.append(
            NewMemory(
                text=turn.text,
                emotion=emotion,
                vad=reading.vad,
                salience=salience_of(
                    reading.vad, reading.ekman[emotion], reading.flagged, turn.text
                ),
                speaker=turn.speaker,
                context=f"{previous.speaker}: {previous.text}" if previous else None,
                source=turn.dia_id,
            )
        )
        previous = turn
    return memories


def recall_at(retrieved: list[str], evidence: tuple[str, ...], k: int) -> float:
    """The share of `evidence` (dia_ids) among the first k of `retrieved`."""
    top = set(retrieved[:k])
    return sum(e in top for e in evidence) / len(evidence)


def run_conversation(
    conversation: LocomoConversation, k: int, folder: Path
) -> list[dict[str, Any]]:
    """One row per question: what each mode retrieved (dia_ids, best first)."""
    store = MemoryStore(f"sqlite:///{folder / f'{conversation.name}.sqlite'}", shared_embedder())
    try:
        store.add_memories(
            OWNER, memories_of(conversation), [turn.at for turn in conversation.turns]
        )
        now = max(turn.at for turn in conversation.turns) + timedelta(minutes=1)
        depth = max(k, 10)
        rows = []
        for question in conversation.questions:
            retrieved = {
                mode: [
                    m.source or ""
                    for m in store.search(
                        OWNER, question.question, depth, now=now, lexical=lex, dense=dense
                    )
                ]
                for mode, (lex, dense) in MODES.items()
            }
            rows.append(
                {
                    "conversation": conversation.name,
                    "qa": question.index,
                    "category": question.category,
                    "evidence": question.evidence,
                    "retrieved": retrieved,
                }
            )
        return rows
    finally:
        store.close()


def locomo(data: Path, k: int = 10) -> SuiteResult:
    """The LoCoMo evidence-retrieval suite (see the module docstring)."""
    conversations = load_locomo(data)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for conversation in tqdm(conversations, desc="LoCoMo conversations"):
            rows += run_conversation(conversation, k, Path(folder))
    scored = [r for r in rows if r["evidence"]]
    by_category: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in scored:
        by_category[row["category"]].append(row)

    def mean(items: list[dict[str, Any]], mode: str, depth: int) -> float:
        return float(
            np.mean([recall_at(r["retrieved"][mode], r["evidence"], depth) for r in items])
        )

    metrics: dict[str, Any] = {"questions": len(rows), "scored": len(scored)}
    report: list[tuple[str, str]] = []
    if scored:
        for mode in MODES:
            name = mode.replace(" ", "_")
            for depth in (5, 10):
                metrics[f"{name}_recall@{depth}"] = mean(scored, mode, depth)
        for mode in MODES:
            at5, at10 = mean(scored, mode, 5), mean(scored, mode, 10)
            report.append(
                (
                    f"{mode}: evidence recall@5 / @10, all questions",
                    f"{at5:.3f} / {at10:.3f} (n={len(scored)})",
                )
            )
        for category in sorted(by_category):
            items = by_category[category]
            cells = " · ".join(f"{mode} {mean(items, mode, 10):.3f}" for mode in MODES)
            label = CATEGORIES.get(category, str(category))
            report.append(
                (f"recall@10, category {category} ({label})", f"{cells} (n={len(items)})")
            )
    predictions = [
        {"conversation": r["conversation"], "qa": r["qa"], "retrieved": r["retrieved"]["hybrid"]}
        for r in rows
    ]
    names = ", ".join(c.name for c in conversations)
    note = (
        f"Conversations: {names}; {sum(len(c.turns) for c in conversations)} turns stored as "
        f"memories. Recall@k = share of a question's evidence turns among the k memories "
        f"recalled. Baselines: the same store searched by meaning alone (MiniLM cosine) and "
        f"by words alone (full-text BM25)."
    )
    plot = {f"{mode} @10": mean(scored, mode, 10) for mode in MODES} if scored else {}
    return SuiteResult(
        title="LoCoMo: evidence found by memory recall",
        metrics=metrics,
        rows=report,
        predictions=predictions,
        plot_values=plot,
        note=note,
    )
