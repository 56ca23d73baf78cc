"""Where conversation state is checkpointed: SQLite by default, PostgreSQL when the
database URL is one (so a fleet of servers shares conversations)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from resonant.errors import BackendConfigError


def open_checkpointer(database_url: str | None, folder: Path) -> tuple[BaseCheckpointSaver, Any]:
    """The checkpointer and the connection to close when done."""
    if database_url and database_url.startswith("postgresql"):
        try:
            from langgraph.checkpoint.postgres import PostgresSaver
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool
        except ImportError as exc:
            raise BackendConfigError('PostgreSQL needs: pip install "resonant[postgres]"') from exc
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
    return SqliteSaver(connection), connection
