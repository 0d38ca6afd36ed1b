"""Alembic environment: the project's metadata, the connection handed over by :mod:`outreach_map.db.migrate`."""

from __future__ import annotations

from alembic import context

from outreach_map.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the alembic command line gets here
    msg = "run migrations through 'outreach-map db upgrade'"
    raise RuntimeError(msg)
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
