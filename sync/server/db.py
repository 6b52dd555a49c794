"""Engines and transactions for PostgreSQL (psycopg 3) and SQLite, and schema migration.

Writes run in :meth:`Database.write`: on SQLite that is ``BEGIN IMMEDIATE`` (the writer
takes the lock up front instead of failing to upgrade a read lock later); on PostgreSQL
an ordinary READ COMMITTED transaction whose ordering comes from the village row lock
(see ``records.lock_village``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


_HAS_STATISTICS = ("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema()"
                   " AND tablename = 'records' AND attname = 'id')")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30},
                               json_serializer=_json_dumps, json_deserializer=orjson.loads)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True,
                         json_serializer=_json_dumps, json_deserializer=orjson.loads)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly below
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


class Database:
    """The server's database: an engine plus read and write transactions."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._records_have_statistics = self.is_sqlite

    def ensure_record_statistics(self) -> None:
        """Give the records table planner statistics if it has none yet (once a process).

        A new PostgreSQL database has none until autovacuum first analyses it (a minute or
        more, however fast records arrive). Until then the planner guesses that a batch's
        ``id = ANY(<500 ids>)`` matches most of the table and reads all of it, per batch
        (18 ms at 58k records, growing with the table; 0.5 ms through the index). One
        ANALYZE after the first batch is enough: ids and 身份证号 stay near-unique
        whatever the table's size, which is all these plans depend on.
        """
        if self._records_have_statistics:
            return
        self._records_have_statistics = True  # tried once: the batch is committed whatever happens here
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                if not conn.exec_driver_sql(_HAS_STATISTICS).scalar():
                    conn.exec_driver_sql("ANALYZE records")
        except SQLAlchemyError as exc:  # slower plans until autovacuum analyses the table
            log.warning("ANALYZE records failed: %s", exc)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (an old database upgrades itself)."""
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn.execution_options(write=True)
        command.upgrade(cfg, revision)
        conn.commit()


def head_revision() -> str:
    """The schema revision this build migrates to."""
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
