"""One turn at a time per conversation, across threads and processes.

Two turns of one conversation that overlap would each read the state before the other
and the last to finish would overwrite the first (its history and mood traces lost).
So a turn holds its conversation's lock from reading the state to writing it back:

- PostgreSQL: a session-level advisory lock, so every server process on the database
  takes part;
- a SQLite file: an `flock` on one of a fixed set of lock files beside the database,
  so processes sharing the file take part (two conversations may share a stripe, which
  only ever makes one wait);
- anything else (an in-memory database): a lock within this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Engine

LOCK_STRIPES = 1024


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()


class TurnLocks(Protocol):
    def hold(self, key: str) -> contextlib.AbstractContextManager[None]:
        """Hold the lock of conversation `key` for the duration of the with-block."""
        ...


class ProcessTurnLocks:
    """Locks that serialise turns within this process only."""

    def __init__(self) -> None:
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._stripes[int.from_bytes(_digest(key), "big") % LOCK_STRIPES]:
            yield


class FileTurnLocks:
    """`flock` locks in `folder`, shared by every process that opens the same database."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        stripe = int.from_bytes(_digest(key), "big") % LOCK_STRIPES
        # A fresh descriptor per hold: flock locks belong to the open file, so two threads
        # of one process exclude each other too.
        descriptor = os.open(self.folder / f"{stripe:04d}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock


class PostgresTurnLocks:
    """PostgreSQL advisory locks: every process on the database takes part."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        lock_id = int.from_bytes(_digest(key), "big", signed=True)
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                connection.commit()


@contextlib.asynccontextmanager
async def held(locks: TurnLocks, key: str) -> AsyncIterator[None]:
    """`locks.hold(key)` for asyncio: the blocking acquire and release run in a worker
    thread (these locks may be released from another thread than took them). A task
    cancelled while waiting still releases the lock once it is acquired."""
    hold = locks.hold(key)
    acquiring = asyncio.ensure_future(asyncio.to_thread(hold.__enter__))
    try:
        await asyncio.shield(acquiring)
    except asyncio.CancelledError:
        acquiring.add_done_callback(lambda done: _release_later(hold, done))
        raise
    try:
        yield
    finally:
        await asyncio.to_thread(hold.__exit__, None, None, None)


def _release_later(hold: contextlib.AbstractContextManager[None], done: asyncio.Future) -> None:
    if not done.cancelled() and done.exception() is None:
        threading.Thread(target=hold.__exit__, args=(None, None, None), daemon=True).start()


def turn_locks_for(engine: Engine) -> TurnLocks:
    """The strongest lock the store's database allows (see the module docstring)."""
    if engine.dialect.name == "postgresql":
        return PostgresTurnLocks(engine)
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:" and not database.startswith("file:"):
        return FileTurnLocks(Path(database).with_name(Path(database).name + ".locks"))
    return ProcessTurnLocks()
