"""Where conversation state is checkpointed: SQLite by default, PostgreSQL when the
database URL is one (so a fleet of servers shares conversations).

LangGraph keeps every checkpoint of every step; resuming needs only the latest one per
conversation, and the older ones are copies of the user's words that erasure would have
to chase. So after each turn `prune_thread` keeps the latest checkpoint and drops the
rest, and `threads_of` finds every thread of a user straight from the checkpoint tables
(even one whose first turn failed before anything else was stored).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver

from resonant.errors import MissingExtraError


def open_checkpointer(database_url: str | None, folder: Path) -> tuple[BaseCheckpointSaver, Any]:
    """The checkpointer and the connection to close when done."""
    if database_url and database_url.startswith("postgresql"):
        try:
            from langgraph.checkpoint.postgres import PostgresSaver
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool
        except ImportError as exc:
            raise MissingExtraError("PostgreSQL", "postgres") from exc
        # A pool that checks connections before use survives a database restart
        # mid-conversation: the next turn gets a fresh connection instead of an error.
        pool = ConnectionPool(
            database_url.replace("+psycopg", ""),
            min_size=1,
            max_size=8,
            check=ConnectionPool.check_connection,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            open=True,
        )
        saver = PostgresSaver(pool)  # type: ignore[arg-type]  # row_factory set via kwargs
        saver.setup()
        return saver, pool
    connection = sqlite3.connect(str(folder / "checkpoints.sqlite"), check_same_thread=False)
    # Deleted checkpoints must not stay readable in the file's free pages.
    connection.execute("PRAGMA secure_delete=ON")
    return SqliteSaver(connection), connection


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sqlite(saver: SqliteSaver, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    saver.setup()  # the tables exist only once something was checkpointed
    with saver.lock, saver.conn:
        return saver.conn.execute(sql, params).fetchall()


def _postgres(saver: Any, statements: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
    rows: list[Any] = []
    with saver._cursor() as cursor:  # the saver's own pooled connection and lock
        for sql, params in statements:
            cursor.execute(sql, params)
            if cursor.description:
                rows.extend(cursor.fetchall())
    return rows


def threads_of(checkpointer: BaseCheckpointSaver, prefix: str) -> set[str]:
    """The ids of every checkpointed thread whose id starts with `prefix`."""
    if isinstance(checkpointer, SqliteSaver):
        rows = _sqlite(
            checkpointer,
            "SELECT DISTINCT thread_id FROM checkpoints WHERE thread_id LIKE ? ESCAPE '\\'",
            (_escape_like(prefix) + "%",),
        )
        return {row[0] for row in rows}
    if type(checkpointer).__name__ == "PostgresSaver":
        found = _postgres(
            checkpointer,
            [
                (
                    "SELECT DISTINCT thread_id FROM checkpoints WHERE thread_id LIKE %s",
                    (_escape_like(prefix) + "%",),
                )
            ],
        )
        return {row["thread_id"] for row in found}
    if isinstance(checkpointer, InMemorySaver):
        return {thread for thread in checkpointer.storage if thread.startswith(prefix)}
    # Any other saver: the slow, generic way.
    return {
        str(saved.config["configurable"]["thread_id"])
        for saved in checkpointer.list(None)
        if str(saved.config["configurable"]["thread_id"]).startswith(prefix)
    }


def prune_thread(checkpointer: BaseCheckpointSaver, thread: str) -> None:
    """Drop every checkpoint of `thread` but the latest (and the writes and blobs only
    they used). Checkpoint ids are time-ordered UUIDs, so the latest is the largest."""
    if isinstance(checkpointer, SqliteSaver):
        latest = "(SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = ?)"
        for table in ("writes", "checkpoints"):
            _sqlite(
                checkpointer,
                f"DELETE FROM {table} WHERE thread_id = ? AND checkpoint_id < {latest}",
                (thread, thread),
            )
    elif type(checkpointer).__name__ == "PostgresSaver":
        latest = "(SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = %s)"
        _postgres(
            checkpointer,
            [
                (
                    f"DELETE FROM {table} WHERE thread_id = %s AND checkpoint_id < {latest}",
                    (thread, thread),
                )
                for table in ("checkpoint_writes", "checkpoints")
            ]
            + [
                (
                    "DELETE FROM checkpoint_blobs b WHERE b.thread_id = %s AND NOT EXISTS ("
                    " SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id"
                    " AND c.checkpoint_ns = b.checkpoint_ns"
                    " AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)",
                    (thread,),
                )
            ],
        )


def flush_deleted(checkpointer: BaseCheckpointSaver) -> None:
    """Fold SQLite's write-ahead log into the file and truncate it, so deleted
    checkpoints leave no copy behind in the log."""
    if isinstance(checkpointer, SqliteSaver):
        with checkpointer.lock:
            checkpointer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class ThreadedCheckpointer(BaseCheckpointSaver):
    """A checkpointer whose async methods run its sync ones in worker threads, so that
    LangGraph's `astream` works over the sync SQLite and PostgreSQL savers (whose own
    async methods are not implemented) and every other part of the agent keeps using them
    synchronously."""

    def __init__(self, inner: BaseCheckpointSaver):
        super().__init__(serde=inner.serde)
        self.inner = inner

    @property
    def config_specs(self) -> list:
        return self.inner.config_specs

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.inner.get_tuple(config)

    def list(self, config: RunnableConfig | None, **options: Any) -> Iterator[CheckpointTuple]:
        return self.inner.list(config, **options)

    def put(self, config: RunnableConfig, *args: Any, **options: Any) -> RunnableConfig:
        return self.inner.put(config, *args, **options)

    def put_writes(self, config: RunnableConfig, *args: Any, **options: Any) -> None:
        self.inner.put_writes(config, *args, **options)

    def delete_thread(self, thread_id: str) -> None:
        self.inner.delete_thread(thread_id)

    def get_next_version(self, current: Any, channel: None) -> Any:
        return self.inner.get_next_version(current, channel)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await asyncio.to_thread(self.inner.get_tuple, config)

    async def alist(
        self, config: RunnableConfig | None, **options: Any
    ) -> AsyncIterator[CheckpointTuple]:
        for item in await asyncio.to_thread(lambda: list(self.inner.list(config, **options))):
            yield item

    async def aput(self, config: RunnableConfig, *args: Any, **options: Any) -> RunnableConfig:
        return await asyncio.to_thread(self.inner.put, config, *args, **options)

    async def aput_writes(self, config: RunnableConfig, *args: Any, **options: Any) -> None:
        await asyncio.to_thread(self.inner.put_writes, config, *args, **options)

    async def adelete_thread(self, thread_id: str) -> None:
        await asyncio.to_thread(self.inner.delete_thread, thread_id)
