"""The one way to open a connection to a data file (SQLCipher), and the cheap file check.

Everything that reads or copies the database outside the ORM (``Store.sql()``, backups, the
integrity check, the header check, restore, the upgrade of a plain file) connects through
:func:`connect`, and the engine's connections come from it too. The database is SQLCipher 4
(``sqlcipher3``) opened with the installation's raw 256-bit data key: ``PRAGMA key`` is the
first statement, and no key derivation runs per open. ``key=None`` opens a plain SQLite file
(only the upgrade of a pre-encryption installation does that).

``sqlcipher3`` has its own exception classes; use :data:`DatabaseError` and friends from here,
not ``sqlite3``'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlcipher3 import dbapi2 as sqlcipher

if TYPE_CHECKING:
    from jydesk.store.crypto import DataKey

#: How long a writer waits for another's write lock. SQLCipher transactions take longer than
#: plain ones; on a loaded machine two busy writers starved each other past 5 s (SQLite's busy
#: handler sleeps while the other takes the lock again), so the wait is longer.
BUSY_TIMEOUT_MS = 20000
PLAIN_MAGIC = b"SQLite format 3\0"

Connection = sqlcipher.Connection
Error = sqlcipher.Error
DatabaseError = sqlcipher.DatabaseError
OperationalError = sqlcipher.OperationalError
IntegrityError = sqlcipher.IntegrityError
dbapi = sqlcipher


class DatabaseFileError(RuntimeError):
    """The data file is missing its database: empty, truncated, damaged or not a database.

    ``str()`` is a Chinese message naming the file; ``reason`` is the short cause."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"数据文件 {self.path} {reason}，无法打开。原文件不会被改动或覆盖；"
                         f"请从备份恢复（“文件 → 恢复”或命令 jydesk restore 备份文件）。")


class WrongKeyError(DatabaseFileError):
    """The file does not open with this key: a wrong password, another installation's file, or a
    file so damaged that even its first page is unreadable."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.reason = "密码错误或不是本机数据文件"
        RuntimeError.__init__(self, f"数据文件 {self.path} 无法用此密钥打开：密码错误或不是本机的数据文件"
                                    f"（也可能文件头已损坏）。")


_quiet: list[bool] = []


def _silence_sqlcipher_log() -> None:
    """SQLCipher logs decryption failures (a wrong key) to stderr; the caller reports them in Chinese."""
    if not _quiet:
        probe = sqlcipher.connect(":memory:")
        probe.execute("PRAGMA cipher_log_level = NONE")
        probe.close()
        _quiet.append(True)


def connect(path: Path | str, key: DataKey | None, *, read_only: bool = False) -> Connection:
    """A connection in autocommit mode (callers issue BEGIN themselves) that waits for locks.

    ``key`` is the data key (``PRAGMA key`` first); ``read_only`` connections refuse to write."""
    _silence_sqlcipher_log()
    conn = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=False)
    if key is not None:
        conn.execute(key.pragma)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if read_only:
        conn.execute("PRAGMA query_only=ON")
    return conn


def is_plain_sqlite(path: Path) -> bool:
    """True if ``path`` starts with SQLite's plain header (a pre-encryption data file)."""
    try:
        with open(path, "rb") as fh:  # closed at once; callers hold no SQLite connection on it yet
            return fh.read(len(PLAIN_MAGIC)) == PLAIN_MAGIC
    except OSError:
        return False


def check_header(path: Path, key: DataKey | None, conn: Connection | None = None) -> None:
    """Raise :class:`DatabaseFileError` unless ``path`` opens as a whole database with ``key``.

    Cheap: the file's size and SQLCipher's reading of the first page (which checks its HMAC), so
    an empty, foreign, wrongly keyed or truncated file fails; ``conn`` (open on ``path``) saves a
    connection. Damage inside the file is found by the full integrity check that runs in the
    background. The file is never opened with plain ``open()`` here: closing such a handle would
    drop the POSIX locks this process's SQLite connections hold on it
    (https://sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by_a_separate_thread_doing_close_)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DatabaseFileError(path, f"无法读取（{exc.strerror or exc}）") from None
    if size == 0:
        raise DatabaseFileError(path, "是空文件（0 字节）")
    own = conn is None
    try:
        conn = conn or connect(path, key, read_only=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
            pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        finally:
            if own:
                conn.close()
    except DatabaseError as exc:
        if "not a database" in str(exc) or "encrypted" in str(exc):
            if key is not None and size >= 1024:
                raise WrongKeyError(path) from None
            raise DatabaseFileError(path, "不是 jydesk 数据库文件或文件头已损坏") from None
        raise DatabaseFileError(path, f"已损坏（{exc}）") from None
    # A checkpoint cut short may leave the file shorter while the -wal still holds the pages.
    if size < pages * page_size:
        wal = Path(f"{path}-wal")
        if not (wal.exists() and wal.stat().st_size > 0):
            raise DatabaseFileError(path, f"不完整（只有 {size} 字节，应为 {pages * page_size} 字节，可能复制中断）")


DAMAGE_MARKERS = ("malformed", "not a database", "file is encrypted", "disk i/o error", "database corrupt")


def is_damage(exc: BaseException) -> bool:
    """True if ``exc`` (a database error, possibly wrapped by SQLAlchemy) reports a damaged file."""
    import sqlite3

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DatabaseError | sqlite3.DatabaseError) and any(
                m in str(seen).lower() for m in DAMAGE_MARKERS):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False
