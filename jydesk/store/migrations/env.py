"""Alembic environment for the local store; the caller passes the connection."""

from __future__ import annotations

from alembic import context

from jydesk.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through jydesk.store.database.migrate
    raise RuntimeError("run migrations through jydesk.store.database.migrate()")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
