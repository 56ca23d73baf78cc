"""Idempotent and interrupted turns, key lifecycle.

turns: `request_key` (a client's idempotency key, unique per user), `interrupted` (the
process died before the reply) and `result` (the public result, replayed on a retry).
api_keys: `key_id` (a public handle to list, revoke and rotate by), `expires_at`,
`revoked_at`, `last_used_at`.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turns") as turns:
        turns.add_column(sa.Column("request_key", sa.String(128), nullable=True))
        turns.add_column(
            sa.Column("interrupted", sa.Boolean, nullable=False, server_default=sa.false())
        )
        turns.add_column(sa.Column("result", sa.JSON, nullable=True))
        turns.create_unique_constraint("uq_turns_user_request_key", ["user_id", "request_key"])
    with op.batch_alter_table("api_keys") as keys:
        keys.add_column(sa.Column("key_id", sa.String(16), nullable=True))
        keys.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        keys.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        keys.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    # Keys made before key ids existed get one from their hash (public: it is not the key).
    op.execute("UPDATE api_keys SET key_id = substr(key_hash, 1, 12) WHERE key_id IS NULL")
    with op.batch_alter_table("api_keys") as keys:
        keys.alter_column("key_id", existing_type=sa.String(16), nullable=False)
        keys.create_unique_constraint("uq_api_keys_key_id", ["key_id"])


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as keys:
        keys.drop_constraint("uq_api_keys_key_id", type_="unique")
        for column in ("last_used_at", "revoked_at", "expires_at", "key_id"):
            keys.drop_column(column)
    with op.batch_alter_table("turns") as turns:
        turns.drop_constraint("uq_turns_user_request_key", type_="unique")
        for column in ("result", "interrupted", "request_key"):
            turns.drop_column(column)
