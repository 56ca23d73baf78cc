"""The Alembic revisions build exactly the schema the models describe, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from resonant.memory.migrate import upgrade
from resonant.memory.models import Base


def _not_full_text_index(name, kind, _parent):
    # The full-text indexes (FTS5 tables; a tsvector column and its GIN index) live
    # outside the models.
    return not (kind == "table" and name.startswith("memories_fts")) and name not in {
        "ix_memories_search",
        "search_vector",
    }


def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # idempotent: opening an up-to-date database changes nothing
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": _not_full_text_index}
        )
        diff = compare_metadata(context, Base.metadata)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert diff == []
    assert {"users", "conversations", "turns", "memories", "api_keys", "alembic_version"} <= tables


def test_a_database_made_before_migrations_is_adopted(database_url, embedder):
    from sqlalchemy import text

    from resonant.affect import VAD
    from resonant.memory import MemoryStore, NewMemory

    engine = create_engine(database_url)
    # What create_all made before migrations existed: revision 0001 without api_keys.
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text("DROP TABLE api_keys"))
        connection.execute(text("INSERT INTO users (id, created_at) VALUES ('ada', '2026-01-01')"))
    engine.dispose()

    store = MemoryStore(database_url, embedder)
    store.add_memory("ada", NewMemory("I kept my old data", "joy", VAD(), 0.5))
    with store.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    tables = set(inspect(store.engine).get_table_names())
    store.close()
    assert version == "0004"
    assert "api_keys" in tables


def test_an_interrupted_first_run_is_recovered(tmp_path, embedder):
    """SQLite commits DDL as it goes: a crash can leave an empty alembic_version table."""
    from sqlalchemy import text

    from resonant.memory import MemoryStore

    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    engine = create_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
    engine.dispose()
    store = MemoryStore(url, embedder)
    assert store.memories("nobody") == []
    store.close()
