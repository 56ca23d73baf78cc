"""Schema migrations (Alembic), applied when a store opens its database.

The revisions live in `resonant/memory/migrations/versions/`; a new model change gets a
new revision there, so existing SQLite files and PostgreSQL databases upgrade in place.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
# The api_keys table as revision 0001 created it.
_BASELINE_API_KEYS = sa.Table(
    "api_keys",
    sa.MetaData(),
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("tenant", sa.String(128), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        unversioned = MigrationContext.configure(connection).get_current_revision() is None
        # (An empty alembic_version table can be left by an interrupted first run on
        # SQLite, whose driver commits DDL as it goes; it counts as unversioned.)
        if unversioned and "users" in inspect(connection).get_table_names():
            # A database made before migrations existed (by create_all) has revision
            # 0001's schema bar the api_keys table: add that as 0001 made it, then adopt
            # it; later revisions upgrade it like any other.
            _BASELINE_API_KEYS.create(connection, checkfirst=True)
            command.stamp(config, BASELINE)
        command.upgrade(config, revision)
