"""The Alembic revisions build exactly the schema the models describe, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import resonant.server.keys  # noqa: F401  (registers the api_keys model)
from resonant.memory.migrate import upgrade
from resonant.memory.models import Base


def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # idempotent: opening an up-to-date database changes nothing
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert diff == []
    assert {"users", "conversations", "turns", "memories", "api_keys", "alembic_version"} <= tables
