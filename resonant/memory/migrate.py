"""Schema migrations (Alembic), applied when a store opens its database.

The revisions live in `resonant/memory/migrations/versions/`; a new model change gets a
new revision there, so existing SQLite files and PostgreSQL databases upgrade in place.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
