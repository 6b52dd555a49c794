"""Restoring the data file from a backup: the backup is checked first, the replaced database is
kept (a checked copy in ``backups/``, or the damaged file itself set aside), and the backup is
put in place atomically.

Sync needs nothing special afterwards: the restored file holds the outbox with the batch ids it
had (the server answers a batch it already applied with the stored result) and the pull cursor
of that day, so the next sync pulls everything the device lost since, its own changes included.
The caller holds the data folder's instance lock (no other writer).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jydesk.store.backup import backups_dir, make_backup, snapshot
from jydesk.store.connection import DatabaseFileError, check_header, connect
from jydesk.store.database import DB_FILENAME, known_revisions
from jydesk.store.integrity import check_file


class RestoreError(RuntimeError):
    """The backup cannot be restored; ``str()`` is the Chinese reason."""


@dataclass(frozen=True, slots=True)
class BackupFacts:
    revision: str
    village_code: str | None
    village_name: str | None
    people: int


@dataclass(frozen=True, slots=True)
class RestoreResult:
    facts: BackupFacts
    kept: Path | None  # where the replaced database now is (None if there was none)


def _facts(path: Path) -> BackupFacts:
    conn = connect(path, read_only=True)
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        village = conn.execute("SELECT village_code, village_name FROM installation").fetchone()
        people = conn.execute("SELECT count(*) FROM persons WHERE deleted = 0").fetchone()[0]
    finally:
        conn.close()
    return BackupFacts(revision[0] if revision else "", *(village or (None, None)), people)


def inspect_backup(path: Path) -> BackupFacts:
    """Check ``path`` fully (header, integrity, a jydesk schema this version can open)."""
    path = Path(path)
    if not path.is_file():
        raise RestoreError(f"备份文件 {path} 不存在")
    try:
        check_file(path)
        facts = _facts(path)
    except DatabaseFileError as exc:
        raise RestoreError(f"备份文件 {path} {exc.reason}，不能用于恢复") from None
    except sqlite3.DatabaseError:
        raise RestoreError(f"文件 {path} 不是 jydesk 的数据备份，不能用于恢复") from None
    if facts.revision not in known_revisions()[0]:
        raise RestoreError(f"备份文件 {path} 由更新版本的 jydesk 创建（结构版本 {facts.revision}），请升级 jydesk 后再恢复")
    return facts


def _current_village(db: Path) -> str | None:
    try:
        check_header(db)
        return _facts(db).village_code
    except (DatabaseFileError, sqlite3.DatabaseError):
        return None


def _set_aside(db: Path) -> Path:
    """Keep the database about to be replaced: a checked copy if it is whole, else the file as is."""
    try:
        return make_backup(db, "before-restore").path
    except (DatabaseFileError, sqlite3.DatabaseError):
        folder = backups_dir(db.parent)
        folder.mkdir(parents=True, exist_ok=True)
        kept = folder / f"jydesk-{datetime.now():%Y%m%d-%H%M%S}-damaged.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{db}{suffix}").exists():
                os.replace(f"{db}{suffix}", f"{kept}{suffix}")
        return kept


def restore(data_dir: Path, source: Path, *, allow_other_village: bool = False) -> RestoreResult:
    """Replace the data folder's database with the backup ``source``."""
    data_dir, source = Path(data_dir), Path(source)
    facts = inspect_backup(source)
    db = data_dir / DB_FILENAME
    if source.resolve() == db.resolve():
        raise RestoreError("不能用正在使用的数据文件本身恢复，请选择一个备份文件")
    current = _current_village(db) if db.exists() else None
    if current and facts.village_code and current != facts.village_code and not allow_other_village:
        raise RestoreError(f"备份属于另一个村(社区)（{facts.village_name}，{facts.village_code}），"
                           f"与本机（{current}）不同，未恢复")
    data_dir.mkdir(parents=True, exist_ok=True)
    staged = data_dir / f".{DB_FILENAME}.restoring"
    snapshot(source, staged)  # checked again as copied, beside the target for an atomic rename
    try:
        kept = _set_aside(db) if db.exists() else None
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm", "-journal"):  # the replaced file's journal must not meet the backup
        with contextlib.suppress(FileNotFoundError):
            Path(f"{db}{suffix}").unlink()
    if db.exists():
        db.unlink()
    os.replace(staged, db)
    return RestoreResult(facts, kept)
