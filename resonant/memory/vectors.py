"""Nearest-neighbour search over memory embeddings, through an index.

- PostgreSQL with the pgvector extension: a `memory_vectors_<dim>` table (one row per
  memory, deleted with it by a cascading foreign key) under an HNSW cosine index, searched
  with pgvector's iterative index scans so that the per-user filter still yields enough
  rows. The table carries the embedding size in its name (it depends on the embedder);
  it is made, and back-filled, when a store first needs it.
- Everywhere else (SQLite; PostgreSQL without pgvector): an in-process binary-quantised
  index per user (one bit per dimension, 48 bytes a memory at 384 dimensions), searched by
  Hamming distance, whose best candidates are re-ranked by exact cosine on the stored
  float32 embeddings. It is loaded on a user's first recall and kept in step with the
  rows on every later one (new rows are appended; a deleted memory is never returned,
  since candidates are re-read from the table, and its absence reloads the user), so
  several processes can share the database. Users are evicted least recently used beyond
  `MAX_CACHED_MEMORIES`.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

BACKFILL_BATCH = 2_000
# Binary-quantised candidates kept per wanted result before exact re-ranking.
OVERSAMPLE = 4
# Memories whose codes one process keeps (48 bytes each at 384 dimensions: ~100 MB).
MAX_CACHED_MEMORIES = 2_000_000
# A user's rows are asked for as a range of (user_id, id) row values, which only the
# (user_id, id) index serves: with `user_id = :user` PostgreSQL walks the primary key
# instead, past every newer row of other users (see migration 0004).
MAX_ID = 2**31 - 1
# Rows read at a time when a user's codes are loaded.
LOAD_PAGE = 10_000


def _similarities(
    session: Session, user_id: str, ids: Sequence[int], query: np.ndarray
) -> dict[int, float]:
    rows = session.execute(
        text("SELECT id, embedding FROM memories WHERE user_id = :user AND id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"user": user_id, "ids": list(ids)},
    )
    return {int(i): float(np.frombuffer(blob, np.float32) @ query) for i, blob in rows}


class VectorIndex(Protocol):
    """Where a store's memory embeddings are searched."""

    kind: str

    def add(self, session: Session, rows: Sequence[tuple[int, str, bytes]]) -> None:
        """Index new memories (id, user id, float32 embedding), in the caller's transaction."""
        ...

    def search(
        self, session: Session, user_id: str, query: np.ndarray, limit: int
    ) -> dict[int, float]:
        """The user's `limit` memories nearest `query`: id -> cosine similarity."""
        ...


class PgVectorIndex:
    """pgvector: HNSW over cosine distance."""

    kind = "pgvector HNSW"

    def __init__(self, engine: Engine, dim: int):
        self.table = f"memory_vectors_{dim}"
        with engine.begin() as connection:
            connection.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {self.table} ("
                    " id integer PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE,"
                    " user_id varchar(128) NOT NULL,"
                    f" embedding vector({dim}) NOT NULL)"
                )
            )
            connection.execute(
                text(
                    f"CREATE INDEX IF NOT EXISTS ix_{self.table}_hnsw ON {self.table} "
                    "USING hnsw (embedding vector_cosine_ops)"
                )
            )
            connection.execute(
                text(f"CREATE INDEX IF NOT EXISTS ix_{self.table}_user ON {self.table} (user_id)")
            )
        _backfill(engine, self, self.table)

    @staticmethod
    def _literal(blob: bytes) -> str:
        return "[" + ",".join(f"{x:.7g}" for x in np.frombuffer(blob, np.float32)) + "]"

    def add(self, session: Session, rows: Sequence[tuple[int, str, bytes]]) -> None:
        if rows:
            session.execute(
                text(
                    f"INSERT INTO {self.table} (id, user_id, embedding) "
                    "VALUES (:id, :user, CAST(:vector AS vector))"
                ),
                [{"id": i, "user": u, "vector": self._literal(b)} for i, u, b in rows],
            )

    def search(
        self, session: Session, user_id: str, query: np.ndarray, limit: int
    ) -> dict[int, float]:
        # Iterative scans keep walking the graph until `limit` rows of this user are found.
        session.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
        session.execute(text(f"SET LOCAL hnsw.ef_search = {max(40, 2 * limit)}"))
        rows = session.execute(
            text(
                f"SELECT id, 1 - (embedding <=> CAST(:q AS vector)) FROM {self.table} "
                "WHERE user_id = :user ORDER BY embedding <=> CAST(:q AS vector) LIMIT :limit"
            ),
            {
                "q": self._literal(query.astype(np.float32).tobytes()),
                "user": user_id,
                "limit": limit,
            },
        )
        return {int(i): float(s) for i, s in rows}


def _backfill(engine: Engine, index: VectorIndex, table: str) -> None:
    """Index the memories written before the index existed (or by a store without it)."""
    missing = text(
        f"SELECT m.id, m.user_id, m.embedding FROM memories m "
        f"WHERE m.id NOT IN (SELECT id FROM {table}) ORDER BY m.id LIMIT {BACKFILL_BATCH}"
    )
    while True:
        with Session(engine) as session, session.begin():
            rows = [(int(i), str(u), bytes(b)) for i, u, b in session.execute(missing)]
            index.add(session, rows)
        if len(rows) < BACKFILL_BATCH:
            return


class BinaryIndex:
    """The in-process binary-quantised index (see the module docstring)."""

    kind = "in-process binary-quantised index, exact re-rank"

    def __init__(self, max_cached: int = MAX_CACHED_MEMORIES):
        self.max_cached = max_cached
        self._users: OrderedDict[str, _UserBits] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, session: Session, rows: Sequence[tuple[int, str, bytes]]) -> None:
        return None  # the next search of the user appends new rows

    def forget(self, user_id: str) -> None:
        with self._lock:
            self._users.pop(user_id, None)

    def search(
        self, session: Session, user_id: str, query: np.ndarray, limit: int
    ) -> dict[int, float]:
        bits = self._current(session, user_id)
        if bits is None or not len(bits.ids):
            return {}
        wanted = np.packbits(query > 0).view(np.uint64)
        distances = np.bitwise_count(bits.codes ^ wanted).sum(axis=1, dtype=np.uint16)
        take = min(limit * OVERSAMPLE, len(distances))
        nearest = np.argpartition(distances, take - 1)[:take]
        sims = _similarities(session, user_id, bits.ids[nearest].tolist(), query)
        if len(sims) < take:
            self.forget(user_id)  # some were deleted: load the user afresh next time
        return dict(sorted(sims.items(), key=lambda kv: -kv[1])[:limit])

    def _current(self, session: Session, user_id: str) -> _UserBits | None:
        # max(id) is one index lookup; new rows are appended. Deletes are noticed when a
        # candidate has gone (see `search`), or here when the newest rows went.
        newest = (
            session.execute(
                text(
                    "SELECT id FROM memories WHERE (user_id, id) BETWEEN (:user, 0) AND "
                    f"(:user, {MAX_ID}) ORDER BY user_id DESC, id DESC LIMIT 1"
                ),
                {"user": user_id},
            ).scalar_one_or_none()
            or 0
        )
        with self._lock:
            cached = self._users.get(user_id)
        if not newest:
            self.forget(user_id)
            return None
        if cached is not None and cached.newest == newest:
            self._touch(user_id, cached)
            return cached
        keep = cached is not None and cached.newest < newest
        pages = [cached] if keep and cached is not None else []
        after = pages[0].newest if pages else 0
        # In pages, so that loading a large user holds one page of float32 embeddings
        # at a time, not all of them (100k memories: 150 MB).
        while True:
            rows = session.execute(
                text(
                    "SELECT id, embedding FROM memories WHERE (user_id, id) > (:user, :after) "
                    f"AND (user_id, id) <= (:user, {MAX_ID}) ORDER BY user_id, id LIMIT :page"
                ),
                {"user": user_id, "after": after, "page": LOAD_PAGE},
            ).all()
            if rows:
                pages.append(_UserBits.of(rows))
                after = pages[-1].newest
            if len(rows) < LOAD_PAGE:
                break
        fresh = _UserBits.joined(pages)
        self._touch(user_id, fresh)
        return fresh

    def _touch(self, user_id: str, bits: _UserBits) -> None:
        with self._lock:
            self._users[user_id] = bits
            self._users.move_to_end(user_id)
            while (
                sum(b.count for b in self._users.values()) > self.max_cached
                and len(self._users) > 1
            ):
                self._users.popitem(last=False)


@dataclass(frozen=True, slots=True)
class _UserBits:
    ids: np.ndarray  # int64, ascending
    codes: np.ndarray  # uint64, one row of packed sign bits per memory

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def newest(self) -> int:
        return int(self.ids[-1]) if len(self.ids) else 0

    @classmethod
    def of(cls, rows: Sequence[Any]) -> _UserBits:
        if not rows:
            return cls(np.zeros(0, np.int64), np.zeros((0, 1), np.uint64))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), -1)
        packed = np.packbits(matrix > 0, axis=1)
        padding = (-packed.shape[1]) % 8  # whole 64-bit words per row
        packed = np.pad(packed, ((0, 0), (0, padding)))
        return cls(np.array([r[0] for r in rows], np.int64), packed.view(np.uint64))

    @classmethod
    def joined(cls, parts: Sequence[_UserBits]) -> _UserBits:
        if not parts:
            return cls.of([])
        if len(parts) == 1:
            return parts[0]
        return cls(
            np.concatenate([part.ids for part in parts]),
            np.vstack([part.codes for part in parts]),
        )


def vector_index_for(engine: Engine, dim: int) -> VectorIndex:
    """pgvector where the database has it, else the in-process binary index."""
    if engine.dialect.name == "postgresql":
        try:
            with engine.begin() as connection:
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            return PgVectorIndex(engine, dim)
        except DBAPIError as exc:
            log.info("pgvector is not available (%s); using the in-process index", exc.orig)
    return BinaryIndex()
