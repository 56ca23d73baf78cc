"""Alembic environment: migrations run on the connection `resonant.memory.migrate` hands in."""

from alembic import context

from resonant.memory.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite can only ALTER tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
