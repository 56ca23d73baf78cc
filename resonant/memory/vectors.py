"""Nearest-neighbour search over memory embeddings, with an index where the database has one.

- PostgreSQL with the pgvector extension: a `memory_vectors_<dim>` table (one row per
  memory, deleted with it by a cascading foreign key) under an HNSW cosine index, searched
  with pgvector's iterative index scans so that the per-user filter still yields enough
  rows.
- SQLite opened with an sqlite3 that loads extensions (pysqlite3-binary) and sqlite-vec
  (the `[vector]` extra): a vec0 table partitioned by owner holding binary-quantised
  vectors (48 bytes a memory at 384 dimensions), whose candidates are re-ranked by exact
  cosine on the stored float32 embeddings.
- Anything else: the user's embeddings are read and ranked with numpy (a scan, linear in
  the user's memories; the store logs which of the three runs).

The index tables carry the embedding size in their name, since it depends on the embedder
and is fixed per table; they are made (and back-filled) when a store first opens them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

BACKFILL_BATCH = 2_000
# Binary-quantised candidates kept per wanted result before exact re-ranking.
OVERSAMPLE = 4


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


class ScanIndex:
    """No index: read the user's embeddings and rank them with numpy."""

    kind = "numpy scan (no vector index)"

    def add(self, session: Session, rows: Sequence[tuple[int, str, bytes]]) -> None:
        return None  # the embeddings in the memories table are all it reads

    def search(
        self, session: Session, user_id: str, query: np.ndarray, limit: int
    ) -> dict[int, float]:
        rows = session.execute(
            text("SELECT id, embedding FROM memories WHERE user_id = :user"), {"user": user_id}
        ).all()
        if not rows:
            return {}
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(
            len(rows), -1
        )
        sims = matrix @ query
        best = np.argsort(-sims)[:limit]
        return {int(rows[i][0]): float(sims[i]) for i in best}


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


class SqliteVecIndex:
    """sqlite-vec: binary-quantised vectors partitioned by owner, re-ranked exactly."""

    kind = "sqlite-vec (binary-quantised, exact re-rank)"

    def __init__(self, engine: Engine, dim: int):
        self.table = f"memory_vectors_{dim}"
        with engine.begin() as connection:
            connection.execute(
                text(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING vec0("
                    f"owner text partition key, embedding bit[{dim}])"
                )
            )
        _backfill(engine, self, self.table)

    def add(self, session: Session, rows: Sequence[tuple[int, str, bytes]]) -> None:
        if rows:
            session.execute(
                text(
                    f"INSERT INTO {self.table} (rowid, owner, embedding) "
                    "VALUES (:id, :user, vec_quantize_binary(:vector))"
                ),
                [{"id": i, "user": u, "vector": b} for i, u, b in rows],
            )

    def search(
        self, session: Session, user_id: str, query: np.ndarray, limit: int
    ) -> dict[int, float]:
        rows = session.execute(
            text(
                f"SELECT rowid FROM {self.table} WHERE embedding MATCH "
                "vec_quantize_binary(:q) AND owner = :user AND k = :k"
            ),
            {"q": query.astype(np.float32).tobytes(), "user": user_id, "k": limit * OVERSAMPLE},
        )
        candidates = [int(r[0]) for r in rows]
        if not candidates:
            return {}
        sims = _similarities(session, user_id, candidates, query)
        return dict(sorted(sims.items(), key=lambda kv: -kv[1])[:limit])


def remove_vectors(session: Session, user_id: str, ids: Sequence[int] | None) -> None:
    """Drop deleted memories (`ids`, or all of the user's) from every sqlite-vec index in
    the database, whichever embedding size it was made for. (PostgreSQL's index rows go
    with their memories by the cascading foreign key.)"""
    if session.get_bind().dialect.name != "sqlite":
        return
    tables = session.scalars(
        text(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name GLOB 'memory_vectors_[0-9]*' AND sql LIKE '%USING vec0%'"
        )
    ).all()
    for table in tables:
        if ids is None:
            session.execute(text(f"DELETE FROM {table} WHERE owner = :user"), {"user": user_id})
        elif ids:
            session.execute(
                text(f"DELETE FROM {table} WHERE rowid IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": list(ids)},
            )


def _backfill(engine: Engine, index: VectorIndex, table: str) -> None:
    """Index the memories written before the index existed (or by a store without it)."""
    missing = text(
        f"SELECT m.id, m.user_id, m.embedding FROM memories m "
        f"WHERE m.id NOT IN (SELECT {'rowid' if isinstance(index, SqliteVecIndex) else 'id'} "
        f"FROM {table}) ORDER BY m.id LIMIT {BACKFILL_BATCH}"
    )
    while True:
        with Session(engine) as session, session.begin():
            rows = [(int(i), str(u), bytes(b)) for i, u, b in session.execute(missing)]
            index.add(session, rows)
        if len(rows) < BACKFILL_BATCH:
            return


def vector_index_for(engine: Engine, dim: int, *, loadable: bool) -> VectorIndex:
    """The best index this database offers (see the module docstring). `loadable`: the
    SQLite connections have sqlite-vec loaded."""
    if engine.dialect.name == "postgresql":
        try:
            with engine.begin() as connection:
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            return PgVectorIndex(engine, dim)
        except DBAPIError as exc:
            log.info("pgvector is not available (%s); memories are ranked by a scan", exc.orig)
            return ScanIndex()
    if engine.dialect.name == "sqlite" and loadable:
        return SqliteVecIndex(engine, dim)
    return ScanIndex()
