"""Alembic environment of the city server (separate from the desktop store's)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from sync.server.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("sqlalchemy.url is not set; use `jydesk-server migrate --database-url URL`")
    with create_engine(url).connect() as conn:
        run_migrations(conn)
        conn.commit()
