"""Memories indexed by (user_id, id), replacing the index on user_id alone.

Recall asks for a user's newest memory id (to keep the in-process vector index in step)
and pages through a user's memories in id order. PostgreSQL answered both through the
primary key, skipping every newer row of other users: 80-270 ms for a user with 100k
newer rows after theirs. With (user_id, id), and queries phrased as a range of
(user_id, id) row values that only this index can serve, each is one index lookup.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_memories_user_id_id", "memories", ["user_id", "id"])
    op.drop_index("ix_memories_user_id", table_name="memories")


def downgrade() -> None:
    op.create_index("ix_memories_user_id", "memories", ["user_id"])
    op.drop_index("ix_memories_user_id_id", table_name="memories")
