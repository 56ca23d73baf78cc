"""The relational schema of resonant's long-term store (SQLAlchemy 2.0).

Users own conversations, turns and memories; every row carries its `user_id` so that each
query can be scoped to one user, and deleting a user cascades to everything they own.
Embeddings are stored as raw float32 bytes, which works on every SQL backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from resonant.affect import VADDict


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(128))
    persona: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (
        Index("ix_turns_user_conversation", "user_id", "conversation_id"),
        UniqueConstraint("user_id", "request_key", name="uq_turns_user_request_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    detections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    vad: Mapped[VADDict | None] = mapped_column(JSON, nullable=True)
    degraded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A client's idempotency key: a retried request finds its turn instead of adding one.
    request_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # The process stopped between storing this user turn and its reply.
    interrupted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The public result of a finished user turn, replayed when its request is retried.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class MemoryRow(Base):
    __tablename__ = "memories"
    # (user_id, id): a user's rows in id order, and their newest, in one index lookup.
    __table_args__ = (Index("ix_memories_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    turn_id: Mapped[int | None] = mapped_column(
        ForeignKey("turns.id", ondelete="SET NULL"), nullable=True
    )
    text: Mapped[str] = mapped_column(Text)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    emotion: Mapped[str] = mapped_column(String(32), default="neutral")
    valence: Mapped[float] = mapped_column(Float, default=0.0)
    arousal: Mapped[float] = mapped_column(Float, default=0.0)
    salience: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Who said it (None: the user), the turn it answered (searched with it, since an
    # answer alone often lacks the question's words), and an external id for imports.
    speaker: Mapped[str | None] = mapped_column(String(128), nullable=True)
    context: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str | None] = mapped_column(String(128), nullable=True)


class ApiKeyRow(Base):
    """An API key of the HTTP server, stored only as its hash, owned by a tenant."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("key_id", name="uq_api_keys_key_id"),)

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A public handle for listing, revoking and rotating; never enough to authenticate.
    key_id: Mapped[str] = mapped_column(String(16))
    tenant: Mapped[str] = mapped_column(String(128), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
