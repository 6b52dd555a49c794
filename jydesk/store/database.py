"""Opening the installation's SQLite file: pragmas, migrations, backups, sessions.

SQLAlchemy is imported when the ORM is first used (``read()``, ``write()``, ``engine``), not
when the store is opened: opening an up-to-date file costs one plain ``sqlite3`` query, and
``sql()`` serves read-only SQL (the windowed lists, counters, settings) without the ORM. The
desktop app paints its window on that and calls :meth:`Store.warm_up` behind it.
"""

from __future__ import annotations

import importlib
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jydesk.store.actor import SYSTEM_ACTOR, Actor

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import sessionmaker

    from jydesk.store.models import Installation
    from jydesk.store.unit_of_work import StoreSession, Writer

#: Store services imported by ``warm_up`` (the ones the window's first actions call).
WARM_MODULES = ("jydesk.store.accounts", "jydesk.store.registry", "jydesk.store.search", "jydesk.store.cases",
                "jydesk.store.visits")
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
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


@dataclass(frozen=True, slots=True)
class VillageInfo:
    """The installation's village as the window's title and status bar show it."""

    code: str
    name: str
    town_code: str


class Store:
    """An open local database. ``read()`` for queries, ``write(actor)`` for every change,
    ``sql()`` for plain read-only SQL that must not wait for the ORM to load."""

    def __init__(self, path: Path, engine: Engine | None = None) -> None:
        self.path = path
        self.data_dir = path.parent
        self._engine = engine
        self._session_factory: sessionmaker[StoreSession] | None = None
        self._orm_lock = threading.Lock()
        self._village_code: str | None = None
        self._village: VillageInfo | None = None
        self._local = threading.local()  # this thread's plain read connection
        self._raw: list[sqlite3.Connection] = []
        self._raw_lock = threading.Lock()

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    # ---- the ORM, loaded on first use ----

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._orm_lock:
                if self._engine is None:
                    self._engine = make_engine(self.path)
        return self._engine

    @property
    def _sessions(self) -> sessionmaker[StoreSession]:
        if self._session_factory is None:
            engine = self.engine
            from sqlalchemy.orm import sessionmaker

            from jydesk.store.unit_of_work import StoreSession

            with self._orm_lock:
                if self._session_factory is None:
                    self._session_factory = sessionmaker(engine, class_=StoreSession, expire_on_commit=False)
        return self._session_factory

    @property
    def orm_ready(self) -> bool:
        """True once the ORM is loaded (``read()``/``write()`` then cost no import)."""
        return self._session_factory is not None

    def warm_up(self) -> None:
        """Load SQLAlchemy, the models, the unit of work and the services the window calls
        first, and connect (call from a worker thread behind the login dialog or right after
        the window is painted, so the clerk's first action does not wait for imports)."""
        with self.read() as session:
            self.village_code(session)
        for name in WARM_MODULES:
            importlib.import_module(name)

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
        from sqlalchemy import text

        from jydesk.store.unit_of_work import Writer

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

    # ---- plain read-only SQL ----

    @contextmanager
    def sql(self) -> Iterator[sqlite3.Connection]:
        """A read-only ``sqlite3`` connection of this thread inside one read transaction (one
        consistent snapshot; nested uses share it). For list pages and counters."""
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA busy_timeout=5000")
            with self._raw_lock:
                self._raw.append(conn)
            local.conn, local.depth = conn, 0
        if local.depth:
            local.depth += 1
            try:
                yield conn
            finally:
                local.depth -= 1
            return
        local.depth = 1
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            local.depth = 0
            conn.execute("COMMIT")

    # ---- the installation ----

    def village_code(self, session: StoreSession | None = None) -> str | None:
        """The installation's village (cached once set: it never changes afterwards)."""
        if self._village_code is None:
            if session is None:
                info = self.village()
                return info.code if info is not None else None
            from sqlalchemy import select

            from jydesk.store.models import Installation

            self._village_code = session.execute(select(Installation.village_code)).scalar()
        return self._village_code

    def village(self) -> VillageInfo | None:
        """Code, name and town of the village (plain SQL, cached once set)."""
        if self._village is None:
            with self.sql() as db:
                row = db.execute("SELECT village_code, village_name, town_code FROM installation").fetchone()
            if row is None:
                return None
            self._village = VillageInfo(*row)
            self._village_code = self._village.code
        return self._village

    def installation(self) -> Installation | None:
        from jydesk.store.models import Installation

        with self.read() as s:
            return s.get(Installation, 1)

    def close(self) -> None:
        with self._raw_lock:
            for conn in self._raw:
                conn.close()
            self._raw.clear()
        self._local = threading.local()
        if self._engine is not None:
            self._engine.dispose()


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


def _schema_is_current(path: Path) -> bool:
    """True if ``path`` holds a database at the newest schema (one plain query, no SQLAlchemy)."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        conn = sqlite3.connect(path)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == head_revision()


def open_store(data_dir: Path | str, *, migrate_to: str = "head") -> Store:
    """Open (creating and upgrading as needed) the database in ``data_dir``."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_FILENAME
    if migrate_to == "head" and _schema_is_current(path):
        return Store(path)
    engine = make_engine(path)
    try:
        migrate(engine, path, migrate_to)
    except Exception:
        engine.dispose()
        raise
    return Store(path, engine)
