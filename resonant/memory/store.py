"""The durable per-user store of turns and memories, on any SQLAlchemy database.

SQLite (a file) is the default; any SQLAlchemy URL works. Every method takes the
`user_id` it acts for and every query filters on it, so one user can never read or
change another's data. Writes of one turn happen in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, delete, event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from resonant.affect import VAD
from resonant.memory.embedder import Embedder
from resonant.memory.migrate import upgrade
from resonant.memory.models import Base, ConversationRow, MemoryRow, TurnRow, UserRow, utcnow
from resonant.memory.retrieval import RecalledMemory, RecallWeights, rank

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NewMemory:
    """A memory to write: the text and the affect it was experienced with."""

    text: str
    emotion: str
    vad: VAD
    salience: float


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
    """

    def __init__(self, url: str, embedder: Embedder, weights: RecallWeights | None = None):
        self.url = url
        self.embedder = embedder
        self.weights = weights or RecallWeights()
        self.engine = _make_engine(url)
        upgrade(self.engine)
        # Retrieval ranks a user's memories in-process with numpy (fast up to tens of
        # thousands per user); say so, since operators may expect a vector index.
        log.info(
            "memory store on %s; vector search: in-process numpy index",
            self.engine.url.get_backend_name(),
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

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
        memory_row = self._memory_row(user_id, memory, turn_id) if memory else None
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
            return reply_row.id

    def add_memory(
        self, user_id: str, memory: NewMemory, created_at: datetime | None = None
    ) -> int:
        """Store a memory directly (imports, seeding, benchmarks)."""
        row = self._memory_row(user_id, memory, None, created_at)
        with self._sessions.begin() as session:
            self._ensure_user(session, user_id)
            session.add(row)
            session.flush()
            return row.id

    def _memory_row(
        self,
        user_id: str,
        memory: NewMemory,
        turn_id: int | None,
        created_at: datetime | None = None,
    ) -> MemoryRow:
        return MemoryRow(
            user_id=user_id,
            turn_id=turn_id,
            text=memory.text,
            embedding=self.embedder.embed([memory.text])[0].astype(np.float32).tobytes(),
            emotion=memory.emotion,
            valence=memory.vad.v,
            arousal=memory.vad.a,
            salience=memory.salience,
            created_at=created_at or utcnow(),
        )

    def recall(self, user_id: str, query: str, k: int = 3) -> list[RecalledMemory]:
        """The user's k best memories for `query`, best first."""
        with self._sessions() as session:
            rows = session.execute(
                select(
                    MemoryRow.id, MemoryRow.embedding, MemoryRow.salience, MemoryRow.created_at
                ).where(MemoryRow.user_id == user_id)
            ).all()
        if not rows:
            return []
        now = utcnow()
        matrix = np.frombuffer(b"".join(r.embedding for r in rows), dtype=np.float32).reshape(
            len(rows), -1
        )
        saliences = np.array([r.salience for r in rows], dtype=np.float32)
        ages = np.array(
            [(now - _as_utc(r.created_at)).total_seconds() / 86400 for r in rows], dtype=np.float32
        )
        query_vec = self.embedder.embed([query])[0]
        scores, sims, recencies = rank(query_vec, matrix, saliences, ages, self.weights)
        order = [i for i in np.argsort(-scores)[:k] if np.isfinite(scores[i])]
        if not order:
            return []
        chosen = {rows[i].id: i for i in order}
        with self._sessions.begin() as session:
            details = {
                row.id: (row.text, row.emotion)
                for row in session.execute(
                    select(MemoryRow.id, MemoryRow.text, MemoryRow.emotion).where(
                        MemoryRow.user_id == user_id, MemoryRow.id.in_(chosen)
                    )
                )
            }
            session.execute(
                update(MemoryRow)
                .where(MemoryRow.user_id == user_id, MemoryRow.id.in_(chosen))
                .values(last_recalled_at=now)
            )
        return [
            RecalledMemory(
                id=rows[i].id,
                text=details[rows[i].id][0],
                emotion=details[rows[i].id][1],
                created_at=_as_utc(rows[i].created_at),
                score=float(scores[i]),
                similarity=float(sims[i]),
                recency=float(recencies[i]),
                salience=float(saliences[i]),
            )
            for i in order
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
