"""The one way to open a plain ``sqlite3`` connection to a data file, and the cheap file check.

Everything that reads or copies the database outside the ORM (``Store.sql()``, backups, the
integrity check, the header check, restore) connects through :func:`connect`, and the engine's
connections come from it too, so encrypting the file later (SQLCipher) changes this module only.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_MS = 5000


class DatabaseFileError(RuntimeError):
    """The data file is missing its database: empty, truncated, damaged or not a database.

    ``str()`` is a Chinese message naming the file; ``reason`` is the short cause."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"数据文件 {self.path} {reason}，无法打开。原文件不会被改动或覆盖；"
                         f"请从备份恢复（“文件 → 恢复”或命令 jydesk restore 备份文件）。")


def connect(path: Path | str, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (callers issue BEGIN themselves) that waits for locks.

    ``read_only`` connections refuse to write (``PRAGMA query_only``)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if read_only:
        conn.execute("PRAGMA query_only=ON")
    return conn


def check_header(path: Path, conn: sqlite3.Connection | None = None) -> None:
    """Raise :class:`DatabaseFileError` unless ``path`` opens as a whole SQLite database.

    Cheap: the file's size and SQLite's reading of the header (magic string, page size, page
    count), so an empty, foreign or truncated file fails; ``conn`` (open on ``path``) saves a
    connection. Damage inside the file is found by the full integrity check that runs in the
    background. The file is never opened with plain ``open()``: closing such a handle would drop
    the POSIX locks this process's SQLite connections hold on it
    (https://sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by_a_separate_thread_doing_close_)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DatabaseFileError(path, f"无法读取（{exc.strerror or exc}）") from None
    if size == 0:
        raise DatabaseFileError(path, "是空文件（0 字节）")
    own = conn is None
    try:
        conn = conn or connect(path, read_only=True)
        try:
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
        finally:
            if own:
                conn.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "encrypted" in str(exc):
            raise DatabaseFileError(path, "不是 jydesk 数据库文件或文件头已损坏") from None
        raise DatabaseFileError(path, f"已损坏（{exc}）") from None
    # A checkpoint cut short may leave the file shorter while the -wal still holds the pages.
    if size < pages * page_size:
        wal = Path(f"{path}-wal")
        if not (wal.exists() and wal.stat().st_size > 0):
            raise DatabaseFileError(path, f"不完整（只有 {size} 字节，应为 {pages * page_size} 字节，可能复制中断）")


DAMAGE_MARKERS = ("malformed", "not a database", "file is encrypted", "disk i/o error", "database corrupt")


def is_damage(exc: BaseException) -> bool:
    """True if ``exc`` (a ``sqlite3`` error, possibly wrapped by SQLAlchemy) reports a damaged file."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, sqlite3.DatabaseError) and any(m in str(seen).lower() for m in DAMAGE_MARKERS):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False
