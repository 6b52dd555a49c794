"""Opening the installation's SQLite file: the cheap file check, pragmas, migrations, sessions.

The file is SQLCipher: every connection is opened with the installation's data key
(:class:`jydesk.store.crypto.DataKey`), passed to :func:`open_store` and kept by the store.
SQLAlchemy is imported when the ORM is first used (``read()``, ``write()``, ``engine``), not
when the store is opened: opening an up-to-date file costs one plain ``sqlite3`` query, and
``sql()`` serves read-only SQL (the windowed lists, counters, settings) without the ORM. The
desktop app paints its window on that and calls :meth:`Store.warm_up` behind it.

Write transactions start with ``BEGIN IMMEDIATE``: they take the write lock first and wait for it
(busy timeout) instead of failing with "database is locked" when another process writes.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jydesk.store.actor import SYSTEM_ACTOR, Actor
from jydesk.store.connection import (
    BUSY_TIMEOUT_MS,
    Connection,
    DatabaseError,
    DatabaseFileError,
    OperationalError,
    check_header,
    connect,
    is_damage,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import sessionmaker

    from jydesk.store.crypto import DataKey
    from jydesk.store.integrity import DuplicateIdNumber
    from jydesk.store.models import Installation
    from jydesk.store.unit_of_work import StoreSession, Writer

#: Store services imported by ``warm_up`` (the ones the window's first actions call).
WARM_MODULES = ("jydesk.store.accounts", "jydesk.store.registry", "jydesk.store.search", "jydesk.store.cases",
                "jydesk.store.visits")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DB_FILENAME = "jydesk.sqlite3"
READ_CACHE_KIB = 16384  # page cache of each thread's read connection (store.sql())


__all__ = ["DatabaseFileError", "SchemaTooNewError", "Store", "open_store"]


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


def _set_pragmas(dbapi_conn: Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself, so DDL (migrations) is transactional too.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


#: Execution option of a write session's connection: its transaction begins IMMEDIATE.
WRITE_OPTION = "jydesk_write"


def _begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


def make_engine(path: Path, key: DataKey) -> Engine:
    from sqlalchemy import create_engine, event

    from jydesk.store.connection import dbapi

    # module=: SQLAlchemy wraps sqlcipher3's exceptions (IntegrityError …) as it does sqlite3's.
    engine = create_engine(f"sqlite:///{path}", module=dbapi, creator=lambda: connect(path, key), future=True)
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", _begin)
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

    def __init__(self, path: Path, key: DataKey, engine: Engine | None = None) -> None:
        self.path = path
        self.key = key
        self.data_dir = path.parent
        self._engine = engine
        self._session_factory: sessionmaker[StoreSession] | None = None
        self._orm_lock = threading.Lock()
        self._village_code: str | None = None
        self._village: VillageInfo | None = None
        self._local = threading.local()  # this thread's plain read connection
        self._raw: list[Connection] = []
        self._raw_lock = threading.Lock()
        #: 身份证号 held by more than one live person (files from before the unique index).
        self.duplicate_id_numbers: list[DuplicateIdNumber] = []

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    # ---- the ORM, loaded on first use ----

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._orm_lock:
                if self._engine is None:
                    self._engine = make_engine(self.path, self.key)
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
        session.connection(execution_options={WRITE_OPTION: True})  # BEGIN IMMEDIATE: wait for the lock
        # Foreign keys are checked at COMMIT, so rows of one transaction may arrive in any order.
        session.execute(text("PRAGMA defer_foreign_keys=ON"))
        writer = Writer(session, actor, self.village_code(session), origin)
        try:
            yield writer
            session.commit()
        except BaseException as exc:
            session.rollback()
            _raise_duplicate_id_number(exc)
            raise
        finally:
            session.info.clear()
            session.close()

    # ---- plain read-only SQL ----

    @contextmanager
    def sql(self) -> Iterator[Connection]:
        """A read-only database connection of this thread inside one read transaction (one
        consistent snapshot; nested uses share it). For list pages and counters."""
        local = self._local
        conn: Connection | None = getattr(local, "conn", None)
        if conn is None:
            conn = connect(self.path, self.key, read_only=True)
            # SQLCipher decrypts (and checks) a page each time it enters the page cache: a
            # larger cache keeps the search index's pages decrypted (pinyin search p50 2.7 → 1.2 ms).
            conn.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
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


def damage_message(exc: BaseException, path: Path) -> str | None:
    """The Chinese message for an exception that means the data file is damaged, else None."""
    if isinstance(exc, DatabaseFileError):
        return str(exc)
    if is_damage(exc):
        cause = getattr(exc, "orig", None) or exc
        return str(DatabaseFileError(path, f"已损坏（{cause}）"))
    return None


def _raise_duplicate_id_number(exc: BaseException) -> None:
    """Turn the unique index's refusal of a second live person with one 身份证号 (another process
    saved it between the form's check and this commit) into the clerk's message."""
    from sqlalchemy.exc import IntegrityError

    if isinstance(exc, IntegrityError) and "persons.id_number" in str(exc.orig):
        from jydesk.domain.errors import FieldError, ValidationError

        raise ValidationError(FieldError("id_number", "该身份证号已登记，不能重复登记（可能刚由另一台程序保存）",
                                         "duplicate")) from None


def migrate(engine: Engine, path: Path, key: DataKey, target: str = "head") -> None:
    """Bring the schema to ``target``; back the file up first if it holds data."""
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
        from jydesk.store.backup import make_backup

        make_backup(path, key, "before-upgrade")
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), target)


def _quick_open(path: Path, key: DataKey) -> tuple[bool, bool]:
    """(schema is current, unique 身份证号 index present) in one plain query, no SQLAlchemy.

    Raises :class:`DatabaseFileError` for an empty, truncated or foreign file."""
    try:
        conn = connect(path, key, read_only=True)
        try:
            check_header(path, key, conn)
            row = conn.execute(
                "SELECT version_num, (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = "
                "'uq_persons_live_id_number') FROM alembic_version").fetchone()
        finally:
            conn.close()
    except OperationalError as exc:
        if "no such table" in str(exc):  # a new file, or one from before migrations existed
            return False, False
        raise DatabaseFileError(path, f"无法读取（{exc}）") from None
    except DatabaseError as exc:
        raise DatabaseFileError(path, f"已损坏（{exc}）") from None
    return row is not None and row[0] == head_revision(), bool(row and row[1])


def open_store(data_dir: Path | str, *, key: DataKey, migrate_to: str = "head") -> Store:
    """Open (creating and upgrading as needed) the database in ``data_dir`` with the data ``key``.

    A file that exists but is empty, truncated or damaged is never replaced: this raises
    :class:`DatabaseFileError` naming it. ``store.duplicate_id_numbers`` lists 身份证号 held by
    more than one live person in a file from before the unique index (logged as a warning)."""
    from jydesk.store.private_files import private_dir, private_file

    data_dir = private_dir(Path(data_dir))
    path = data_dir / DB_FILENAME
    exists = path.exists()
    current, indexed = _quick_open(path, key) if exists else (False, False)
    if migrate_to == "head" and current:
        store = Store(path, key)
    else:
        engine = make_engine(path, key)
        try:
            migrate(engine, path, key, migrate_to)
        except Exception:
            engine.dispose()
            raise
        store = Store(path, key, engine)
    for suffix in ("", "-wal", "-shm"):
        private_file(Path(f"{path}{suffix}"))
    if not indexed and migrate_to == "head":
        from jydesk.store.integrity import ensure_unique_id_index

        store.duplicate_id_numbers = ensure_unique_id_index(path, key)
    return store
