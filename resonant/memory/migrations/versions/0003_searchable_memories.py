"""Memories that can be found by their words, and know who said them.

memories: `speaker` (who said it; NULL for the user), `context` (the turn it answered,
searched with it, at a lower weight), `source` (an external id, e.g. a LoCoMo dia_id);
`last_recalled_at` goes (recall no longer writes). A full-text index over speaker and
text, and context:
SQLite FTS5 (`memories_fts`, kept in step by triggers, the owner a token of its own so
a search never leaves the user), PostgreSQL a stored English tsvector column
(`search_vector`, outside the ORM models) under a GIN index.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The words a memory is found by (PostgreSQL): its own at weight A, the context at B.
PG_SEARCH_VECTOR = (
    "(setweight(to_tsvector('english', coalesce(speaker, '') || ' ' || text), 'A') || "
    "setweight(to_tsvector('english', coalesce(context, '')), 'B'))"
)
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE memories_fts USING fts5(
        owner, body, context, tokenize = 'porter unicode61 remove_diacritics 2'
    )""",
    # The owner is the hex of the user id: one token, matched exactly, never split.
    """CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts (rowid, owner, body, context) VALUES (
            new.id, 'u' || hex(new.user_id),
            coalesce(new.speaker, '') || ' ' || new.text, coalesce(new.context, '')
        );
    END""",
    """CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        DELETE FROM memories_fts WHERE rowid = old.id;
    END""",
    """INSERT INTO memories_fts (rowid, owner, body, context)
        SELECT id, 'u' || hex(user_id), text, '' FROM memories""",
]


def upgrade() -> None:
    with op.batch_alter_table("memories") as memories:
        memories.add_column(sa.Column("speaker", sa.String(128), nullable=True))
        memories.add_column(sa.Column("context", sa.Text, nullable=True))
        memories.add_column(sa.Column("source", sa.String(128), nullable=True))
        memories.drop_column("last_recalled_at")
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif op.get_bind().dialect.name == "postgresql":
        # Stored, so ranking reads the vector instead of re-parsing every matching text.
        op.execute(
            "ALTER TABLE memories ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_SEARCH_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_memories_search ON memories USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER memories_fts_insert")
        op.execute("DROP TRIGGER memories_fts_delete")
        op.execute("DROP TABLE memories_fts")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_memories_search")
        op.execute("ALTER TABLE memories DROP COLUMN search_vector")
    with op.batch_alter_table("memories") as memories:
        memories.add_column(
            sa.Column("last_recalled_at", sa.DateTime(timezone=True), nullable=True)
        )
        for column in ("source", "context", "speaker"):
            memories.drop_column(column)
