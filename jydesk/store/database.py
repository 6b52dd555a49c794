"""Opening the installation's SQLite file: pragmas, migrations, backups, sessions."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import sessionmaker

from jydesk.store.models import Installation
from jydesk.store.unit_of_work import SYSTEM_ACTOR, Actor, StoreSession, Writer

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DB_FILENAME = "jydesk.sqlite3"


class SchemaTooNewError(RuntimeError):
    """The file was written by a newer jydesk; opening it could damage it."""


def _alembic_config(connection: Any | None = None) -> Any:
    from alembic.config import Config  # alembic is imported only when a migration runs

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::\s*[^=]+)?=\s*['\"]?([\w]+)?['\"]?", re.M)


@cache
def known_revisions() -> tuple[frozenset[str], str]:
    """(all revision ids, the head) read from the migration files' headers, without importing alembic:
    opening an up-to-date database at start-up then costs one query, not alembic's import."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(m.groups() for m in _REVISION_LINE.finditer(path.read_text("utf-8")))
        if found.get("revision"):
            revisions.add(found["revision"])
            if found.get("down_revision") and found["down_revision"] != "None":
                parents.add(found["down_revision"])
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"本地数据库迁移脚本应只有一个最新版本，实际为：{sorted(heads)}")
    return frozenset(revisions), next(iter(heads))


def head_revision() -> str:
    return known_revisions()[1]


def _set_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself, so DDL (migrations) is transactional too.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


class Store:
    """An open local database. ``read()`` for queries, ``write(actor)`` for every change."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.data_dir = path.parent
        self.engine = engine
        self._sessions = sessionmaker(engine, class_=StoreSession, expire_on_commit=False)
        self._village_code: str | None = None

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @contextmanager
    def read(self) -> Iterator[StoreSession]:
        """A session for queries; any attempt to flush a change raises."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.close()  # rolls the read transaction back; loaded objects stay usable

    @contextmanager
    def write(self, actor: Actor = SYSTEM_ACTOR, *, origin: str = "local") -> Iterator[Writer]:
        """One transaction: rows, audit entries, outbox entries and search index together."""
        session = self._sessions()
        # Foreign keys are checked at COMMIT, so rows of one transaction may arrive in any order.
        session.execute(text("PRAGMA defer_foreign_keys=ON"))
        writer = Writer(session, actor, self.village_code(session), origin)
        try:
            yield writer
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.clear()
            session.close()

    def village_code(self, session: StoreSession | None = None) -> str | None:
        """The installation's village (cached once set: it never changes afterwards)."""
        if self._village_code is None:
            if session is None:
                with self.read() as s:
                    return self.village_code(s)
            self._village_code = session.execute(select(Installation.village_code)).scalar()
        return self._village_code

    def installation(self) -> Installation | None:
        with self.read() as s:
            return s.get(Installation, 1)

    def close(self) -> None:
        self.engine.dispose()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").scalar()
        if not has_table:
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def backup_copy(path: Path, label: str) -> Path:
    """A consistent copy of the database beside it (SQLite online backup), returned."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.before-{label}-{stamp}{path.suffix}")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()
    return target


def migrate(engine: Engine, path: Path, target: str = "head") -> None:
    """Bring the schema to ``target``; copy the file aside first if it holds data."""
    current = current_revision(engine)
    known, head = known_revisions()
    if current is not None and current not in known:
        raise SchemaTooNewError(
            f"数据库文件 {path} 由更新版本的 jydesk 创建（结构版本 {current}），本程序无法打开。请升级 jydesk 后再试。"
        )
    wanted = head if target == "head" else target
    if current == wanted:
        return
    if current is not None and path.exists() and path.stat().st_size > 0:
        backup_copy(path, current)
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), target)


def open_store(data_dir: Path | str, *, migrate_to: str = "head") -> Store:
    """Open (creating and upgrading as needed) the database in ``data_dir``."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_FILENAME
    engine = make_engine(path)
    try:
        migrate(engine, path, migrate_to)
    except Exception:
        engine.dispose()
        raise
    return Store(path, engine)


