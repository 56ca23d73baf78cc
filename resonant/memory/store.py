"""The durable per-user store of turns and memories, on any SQLAlchemy database.

SQLite (a file) is the default; any SQLAlchemy URL works. Every method takes the
`user_id` it acts for and every query filters on it, so one user can never read or
change another's data. Writes of one turn happen in one transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import case, create_engine, delete, event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from resonant.affect import VAD
from resonant.embedding import Embedder
from resonant.memory.migrate import upgrade
from resonant.memory.models import Base, ConversationRow, MemoryRow, TurnRow, UserRow, utcnow
from resonant.memory.retrieval import RecalledMemory, RecallWeights, fuse, prior
from resonant.memory.search import WordCounts, lexical_search
from resonant.memory.vectors import BinaryIndex, VectorIndex, vector_index_for

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NewMemory:
    """A memory to write: the text and the affect it was experienced with; who said it
    (None: the user), the turn it answered, and an external id, when known."""

    text: str
    emotion: str
    vad: VAD
    salience: float
    speaker: str | None = None
    context: str | None = None
    source: str | None = None

    def searched_text(self) -> str:
        """What the memory's embedding is made of: the turn it answered, then the
        speaker's words (a bare answer like "yes, on Tuesday" lacks the question's)."""
        said = f"{self.speaker}: {self.text}" if self.speaker else self.text
        return f"{self.context}\n{said}" if self.context else said


@dataclass(frozen=True, slots=True)
class DeletedMemory:
    """A memory that was deleted: its text, and the conversation it came from (if any)."""

    text: str
    conversation: str | None


def _insert_if_absent(session: Session, model: type[Base], values: dict[str, Any]) -> None:
    """INSERT that does nothing when a unique key already exists (a concurrent writer got
    there first), instead of failing the transaction."""
    dialect = session.get_bind().dialect.name
    if dialect not in {"sqlite", "postgresql"}:
        try:
            with session.begin_nested():
                session.add(model(**values))
        except IntegrityError:
            pass
        return
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


def default_database_url(data_dir: Path) -> str:
    """The SQLite file the store uses when no database URL is configured."""
    return f"sqlite:///{data_dir / 'memory.sqlite'}"


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets readers run during a write; foreign keys make deletes cascade.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Erasure must not leave the deleted text readable in free pages of the file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class MemoryStore:
    """Users, conversations, turns and memories, each scoped to its user.

    Args:
        url: a SQLAlchemy database URL, e.g. ``sqlite:///resonant.db``.
        embedder: turns memory texts into vectors for retrieval.
        weights: how recall ranks memories.
        pgvector: use pgvector where the database has it (False: the in-process index,
            see `resonant.memory.vectors`).
    """

    def __init__(
        self,
        url: str,
        embedder: Embedder,
        weights: RecallWeights | None = None,
        *,
        pgvector: bool = True,
    ):
        self.url = url
        self.embedder = embedder
        self.weights = weights or RecallWeights()
        self.engine = _make_engine(url)
        self._use_pgvector = pgvector
        upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._vectors: VectorIndex | None = None
        self._vectors_lock = threading.Lock()
        self._word_counts = WordCounts()

    def vectors(self, dim: int) -> VectorIndex:
        """The vector index (made on first use: its table depends on the embedding size)."""
        with self._vectors_lock:
            if self._vectors is None:
                self._vectors = (
                    vector_index_for(self.engine, dim) if self._use_pgvector else BinaryIndex()
                )
                # Operators should know whether recall is an index lookup or a scan.
                log.info(
                    "memory store on %s; vector search: %s",
                    self.engine.url.get_backend_name(),
                    self._vectors.kind,
                )
            return self._vectors

    def close(self) -> None:
        self.engine.dispose()

    @staticmethod
    def _ensure_user(session: Session, user_id: str) -> None:
        # Insert-or-ignore: two first turns of a new user at once must both succeed.
        _insert_if_absent(session, UserRow, {"id": user_id, "created_at": utcnow()})

    def _conversation_id(self, session: Session, user_id: str, key: str, persona: str) -> int:
        self._ensure_user(session, user_id)
        _insert_if_absent(
            session,
            ConversationRow,
            {"user_id": user_id, "key": key, "persona": persona, "created_at": utcnow()},
        )
        found = session.scalar(
            select(ConversationRow.id).where(
                ConversationRow.user_id == user_id, ConversationRow.key == key
            )
        )
        assert found is not None  # inserted above, or by a concurrent first turn
        return found

    def open_conversation(self, user_id: str, conversation: str, persona: str) -> None:
        """Register a conversation before anything of it is checkpointed, so that erasing
        the user finds every thread, even one whose first turn failed."""
        with self._sessions.begin() as session:
            self._conversation_id(session, user_id, conversation, persona)

    def conversations(self, user_id: str) -> list[str]:
        """The keys of a user's conversations."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(ConversationRow.key)
                    .where(ConversationRow.user_id == user_id)
                    .order_by(ConversationRow.id)
                )
            )

    def add_user_turn(
        self,
        user_id: str,
        conversation: str,
        persona: str,
        text: str,
        request_key: str | None = None,
    ) -> int:
        """Store the user's turn the moment it is accepted; returns the turn id.

        With a `request_key` the turn is stored once per key: a retry whose first attempt
        was interrupted gets the stored turn back (its id) instead of a duplicate.
        """
        with self._sessions.begin() as session:
            if request_key is not None:
                existing = session.scalar(
                    select(TurnRow).where(
                        TurnRow.user_id == user_id, TurnRow.request_key == request_key
                    )
                )
                if existing is not None:
                    existing.interrupted = False
                    return existing.id
            conversation_id = self._conversation_id(session, user_id, conversation, persona)
            row = TurnRow(
                user_id=user_id,
                conversation_id=conversation_id,
                role="user",
                text=text,
                request_key=request_key,
            )
            session.add(row)
            session.flush()
            return row.id

    def finished_request(self, user_id: str, request_key: str) -> dict[str, Any] | None:
        """The stored result of the user's request with this idempotency key, if it finished."""
        with self._sessions() as session:
            return session.scalar(
                select(TurnRow.result).where(
                    TurnRow.user_id == user_id, TurnRow.request_key == request_key
                )
            )

    def save_result(self, user_id: str, turn_id: int, result: dict[str, Any]) -> None:
        """Keep a finished turn's public result, for replay to a retried request."""
        with self._sessions.begin() as session:
            session.execute(
                update(TurnRow)
                .where(TurnRow.user_id == user_id, TurnRow.id == turn_id)
                .values(result=result)
            )

    def interrupt_unanswered(
        self, user_id: str, conversation: str, retrying: str | None = None
    ) -> list[str]:
        """Mark the conversation's user turns that never got a reply (the process stopped
        mid-turn) as interrupted; returns their texts, oldest first. The turn of the
        request key `retrying` is left alone: it is about to be answered.

        Call it only while holding the conversation's turn lock, when no turn is in flight.
        """
        query = (
            select(TurnRow)
            .join(ConversationRow, TurnRow.conversation_id == ConversationRow.id)
            .where(
                TurnRow.user_id == user_id,
                ConversationRow.key == conversation,
                TurnRow.role == "user",
                TurnRow.vad.is_(None),
                TurnRow.interrupted.is_(False),
            )
            .order_by(TurnRow.id)
        )
        if retrying is not None:
            query = query.where(or_(TurnRow.request_key.is_(None), TurnRow.request_key != retrying))
        with self._sessions.begin() as session:
            rows = session.scalars(query).all()
            for row in rows:
                row.interrupted = True
            return [row.text for row in rows]

    def complete_turn(
        self,
        user_id: str,
        turn_id: int,
        *,
        detections: list[dict[str, Any]],
        user_vad: VAD,
        reply: str,
        agent_vad: VAD,
        degraded: bool,
        memory: NewMemory | None,
    ) -> int:
        """Attach the analysis to the user's turn and store the reply (and a memory) at once.

        Returns the id of the stored reply turn.
        """
        # Embed before the transaction: the model is slow, the write lock is shared.
        memory_row = self._memory_rows(user_id, [memory], turn_id, [None])[0] if memory else None
        vectors = self.vectors(len(memory_row.embedding) // 4) if memory_row else None
        with self._sessions.begin() as session:
            user_turn = session.scalar(
                select(TurnRow).where(TurnRow.id == turn_id, TurnRow.user_id == user_id)
            )
            if user_turn is None:
                raise LookupError(f"turn {turn_id} does not belong to user {user_id!r}")
            user_turn.detections = detections
            user_turn.vad = user_vad.as_dict()
            reply_row = TurnRow(
                user_id=user_id,
                conversation_id=user_turn.conversation_id,
                role="assistant",
                text=reply,
                vad=agent_vad.as_dict(),
                degraded=degraded,
            )
            session.add(reply_row)
            if memory_row is not None:
                session.add(memory_row)
            session.flush()
            if memory_row is not None and vectors is not None:
                vectors.add(session, [(memory_row.id, user_id, memory_row.embedding)])
            return reply_row.id

    def add_memory(
        self, user_id: str, memory: NewMemory, created_at: datetime | None = None
    ) -> int:
        """Store a memory directly (imports, seeding, benchmarks)."""
        return self.add_memories(user_id, [memory], [created_at])[0]

    def add_memories(
        self,
        user_id: str,
        memories: Sequence[NewMemory],
        created_at: Sequence[datetime | None] | None = None,
    ) -> list[int]:
        """Store many memories in one transaction (embedded in one batch); their ids."""
        moments = list(created_at) if created_at is not None else [None] * len(memories)
        rows = self._memory_rows(user_id, memories, None, moments)
        if not rows:
            return []
        vectors = self.vectors(len(rows[0].embedding) // 4)
        with self._sessions.begin() as session:
            self._ensure_user(session, user_id)
            session.add_all(rows)
            session.flush()
            vectors.add(session, [(row.id, user_id, row.embedding) for row in rows])
            return [row.id for row in rows]

    def _memory_rows(
        self,
        user_id: str,
        memories: Sequence[NewMemory],
        turn_id: int | None,
        created_at: Sequence[datetime | None],
    ) -> list[MemoryRow]:
        vectors = self.embedder.embed([m.searched_text() for m in memories])
        return [
            MemoryRow(
                user_id=user_id,
                turn_id=turn_id,
                text=memory.text,
                speaker=memory.speaker,
                context=memory.context,
                source=memory.source,
                embedding=vector.astype(np.float32).tobytes(),
                emotion=memory.emotion,
                valence=memory.vad.v,
                arousal=memory.vad.a,
                salience=memory.salience,
                created_at=moment or utcnow(),
            )
            for memory, vector, moment in zip(memories, vectors, created_at, strict=True)
        ]

    def recall(
        self, user_id: str, query: str, k: int = 3, *, now: datetime | None = None
    ) -> list[RecalledMemory]:
        """The user's k best memories for `query`, best first (see
        `resonant.memory.retrieval` for the ranking). Reads only: nothing is written."""
        return self.search(user_id, query, k, now=now)

    def search(
        self,
        user_id: str,
        query: str,
        k: int,
        *,
        now: datetime | None = None,
        lexical: bool = True,
        dense: bool = True,
    ) -> list[RecalledMemory]:
        """`recall` with either search switched off (the baselines of the LoCoMo eval)."""
        weights = self.weights
        query_vec = self.embedder.embed([query])[0]
        vectors = self.vectors(len(query_vec))
        with self._sessions() as session:
            found = (
                lexical_search(
                    session,
                    user_id,
                    query,
                    weights.candidates,
                    weights.context,
                    self._word_counts,
                )
                if lexical
                else {}
            )
            # The index has scored its candidates exactly; only words-only finds need
            # their embeddings read.
            cosine = (
                {
                    i: similarity
                    for i, similarity in vectors.search(
                        session, user_id, query_vec, weights.candidates
                    ).items()
                    if similarity >= weights.min_similarity
                }
                if dense
                else {}
            )
            wanted = set(found) | set(cosine)
            if not wanted:
                return []
            unscored = set(found) - set(cosine)
            rows = {
                row.id: row
                for row in session.execute(
                    select(
                        MemoryRow.id,
                        MemoryRow.text,
                        MemoryRow.emotion,
                        MemoryRow.speaker,
                        MemoryRow.source,
                        MemoryRow.salience,
                        MemoryRow.created_at,
                        case((MemoryRow.id.in_(unscored), MemoryRow.embedding), else_=None).label(
                            "embedding"
                        ),
                    ).where(MemoryRow.user_id == user_id, MemoryRow.id.in_(wanted))
                )
            }
        ids = list(rows)
        cosine = {
            i: cosine[i]
            if i in cosine
            else float(np.frombuffer(rows[i].embedding, np.float32) @ query_vec)
            for i in ids
        }
        fused = fuse(found, cosine if dense else dict.fromkeys(ids, 0.0), weights)
        moment = now or utcnow()
        saliences = np.array([rows[i].salience for i in ids], dtype=np.float32)
        ages = np.array(
            [(moment - _as_utc(rows[i].created_at)).total_seconds() / 86400 for i in ids],
            dtype=np.float32,
        )
        scores = np.array([fused[i] for i in ids]) * prior(saliences, ages, weights)
        recencies = np.power(0.5, np.maximum(ages, 0.0) / weights.half_life_days)
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            RecalledMemory(
                id=ids[j],
                text=rows[ids[j]].text,
                emotion=rows[ids[j]].emotion,
                created_at=_as_utc(rows[ids[j]].created_at),
                score=float(scores[j]),
                similarity=cosine[ids[j]],
                recency=float(recencies[j]),
                salience=float(saliences[j]),
                speaker=rows[ids[j]].speaker,
                source=rows[ids[j]].source,
            )
            for j in order
        ]

    def memories(self, user_id: str) -> list[dict[str, Any]]:
        """All of a user's memories, oldest first, without embeddings."""
        with self._sessions() as session:
            rows = session.scalars(
                select(MemoryRow).where(MemoryRow.user_id == user_id).order_by(MemoryRow.id)
            ).all()
        return [
            {
                "id": r.id,
                "text": r.text,
                "emotion": r.emotion,
                "valence": r.valence,
                "arousal": r.arousal,
                "salience": r.salience,
                "speaker": r.speaker,
                "source": r.source,
                "created_at": _as_utc(r.created_at).isoformat(),
            }
            for r in rows
        ]

    def turns(self, user_id: str, conversation: str | None = None) -> list[dict[str, Any]]:
        """A user's turns (one conversation, or all), oldest first."""
        query = (
            select(TurnRow, ConversationRow.key)
            .join(ConversationRow, TurnRow.conversation_id == ConversationRow.id)
            .where(TurnRow.user_id == user_id)
        )
        if conversation is not None:
            query = query.where(ConversationRow.key == conversation)
        with self._sessions() as session:
            rows = session.execute(query.order_by(TurnRow.id)).all()
        return [
            {
                "id": turn.id,
                "conversation": key,
                "role": turn.role,
                "text": turn.text,
                "detections": turn.detections,
                "vad": turn.vad,
                "degraded": turn.degraded,
                "interrupted": turn.interrupted,
                "created_at": _as_utc(turn.created_at).isoformat(),
            }
            for turn, key in rows
        ]

    def delete_memory(self, user_id: str, memory_id: int) -> DeletedMemory | None:
        """Delete one memory; returns what it was (None if the user has no such memory)."""
        with self._sessions.begin() as session:
            found = session.execute(
                select(MemoryRow.text, ConversationRow.key)
                .outerjoin(TurnRow, MemoryRow.turn_id == TurnRow.id)
                .outerjoin(ConversationRow, TurnRow.conversation_id == ConversationRow.id)
                .where(MemoryRow.user_id == user_id, MemoryRow.id == memory_id)
            ).first()
            if found is None:
                return None
            session.execute(
                delete(MemoryRow).where(MemoryRow.user_id == user_id, MemoryRow.id == memory_id)
            )
        if isinstance(self._vectors, BinaryIndex):
            self._vectors.forget(user_id)
        self._flush_deleted_pages()
        return DeletedMemory(text=found.text, conversation=found.key)

    def delete_user(self, user_id: str) -> None:
        """Forget a user entirely: conversations, turns and memories."""
        with self._sessions.begin() as session:
            # Explicit deletes, children first, so no backend depends on ON DELETE CASCADE.
            session.execute(delete(MemoryRow).where(MemoryRow.user_id == user_id))
            session.execute(delete(TurnRow).where(TurnRow.user_id == user_id))
            session.execute(delete(ConversationRow).where(ConversationRow.user_id == user_id))
            session.execute(delete(UserRow).where(UserRow.id == user_id))
        if isinstance(self._vectors, BinaryIndex):
            self._vectors.forget(user_id)
        self._flush_deleted_pages()

    def _flush_deleted_pages(self) -> None:
        # SQLite's write-ahead log keeps copies of the pages a delete changed: fold it into
        # the database (where secure_delete has zeroed the freed space) and truncate it.
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def export_user(self, user_id: str) -> dict[str, Any]:
        """Everything stored about a user, as JSON-able data."""
        return {
            "user_id": user_id,
            "turns": self.turns(user_id),
            "memories": self.memories(user_id),
        }

    def user_ids(self) -> Sequence[str]:
        with self._sessions() as session:
            return list(session.scalars(select(UserRow.id).order_by(UserRow.id)))
