"""Restoring the data file from a backup: the backup is checked first, the replaced database is
kept (a checked copy in ``backups/``, or the damaged file itself set aside), and the backup is
put in place atomically.

Sync needs nothing special afterwards: the restored file holds the outbox with the batch ids it
had (the server answers a batch it already applied with the stored result) and the pull cursor
of that day, so the next sync pulls everything the device lost since, its own changes included.
The caller holds the data folder's instance lock (no other writer).

``key`` is the data key that opens the backup. A backup of another installation (a new
computer) brings its key slots (``<backup>.keyslots.json``) along; restoring over a database of
the same key keeps the folder's own slots (they may hold newer passwords).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jydesk.store.backup import backups_dir, make_backup, snapshot
from jydesk.store.connection import DatabaseError, DatabaseFileError, WrongKeyError, check_header, connect
from jydesk.store.database import DB_FILENAME, known_revisions
from jydesk.store.integrity import check_file
from jydesk.store.keyslots import KEYSLOTS_FILENAME, backup_slots_path
from jydesk.store.private_files import private_dir, private_file

if TYPE_CHECKING:
    from jydesk.store.crypto import DataKey


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


def _facts(path: Path, key: DataKey) -> BackupFacts:
    conn = connect(path, key, read_only=True)
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        village = conn.execute("SELECT village_code, village_name FROM installation").fetchone()
        people = conn.execute("SELECT count(*) FROM persons WHERE deleted = 0").fetchone()[0]
    finally:
        conn.close()
    return BackupFacts(revision[0] if revision else "", *(village or (None, None)), people)


def inspect_backup(path: Path, key: DataKey) -> BackupFacts:
    """Check ``path`` fully (header, integrity, a jydesk schema this version can open)."""
    path = Path(path)
    if not path.is_file():
        raise RestoreError(f"备份文件 {path} 不存在")
    try:
        check_file(path, key)
        facts = _facts(path, key)
    except WrongKeyError:
        raise RestoreError(f"备份文件 {path} 无法用此密码或恢复密钥打开（密码错误或不是本村的备份），不能用于恢复") from None
    except DatabaseFileError as exc:
        raise RestoreError(f"备份文件 {path} {exc.reason}，不能用于恢复") from None
    except DatabaseError:
        raise RestoreError(f"文件 {path} 不是 jydesk 的数据备份，不能用于恢复") from None
    if facts.revision not in known_revisions()[0]:
        raise RestoreError(f"备份文件 {path} 由更新版本的 jydesk 创建（结构版本 {facts.revision}），请升级 jydesk 后再恢复")
    return facts


def _current_village(db: Path, key: DataKey) -> str | None:
    try:
        check_header(db, key)
        return _facts(db, key).village_code
    except (DatabaseFileError, DatabaseError):
        return None


def _set_aside(db: Path, key: DataKey) -> Path:
    """Keep the database about to be replaced: a checked copy if it is whole, else the file as is."""
    try:
        return make_backup(db, key, "before-restore").path
    except (DatabaseFileError, DatabaseError):
        folder = private_dir(backups_dir(db.parent))
        kept = folder / f"jydesk-{datetime.now():%Y%m%d-%H%M%S}-damaged.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{db}{suffix}").exists():
                os.replace(f"{db}{suffix}", f"{kept}{suffix}")
        return kept


def restore(data_dir: Path, source: Path, key: DataKey, *, allow_other_village: bool = False) -> RestoreResult:
    """Replace the data folder's database with the backup ``source`` (opened with ``key``)."""
    data_dir, source = Path(data_dir), Path(source)
    facts = inspect_backup(source, key)
    db = data_dir / DB_FILENAME
    if source.resolve() == db.resolve():
        raise RestoreError("不能用正在使用的数据文件本身恢复，请选择一个备份文件")
    same_key = db.exists() and _current_village(db, key) is not None
    current = _current_village(db, key) if same_key else None
    if current and facts.village_code and current != facts.village_code and not allow_other_village:
        raise RestoreError(f"备份属于另一个村(社区)（{facts.village_name}，{facts.village_code}），"
                           f"与本机（{current}）不同，未恢复")
    private_dir(data_dir)
    staged = data_dir / f".{DB_FILENAME}.restoring"
    snapshot(source, key, staged, slots=False)  # checked again as copied, beside the target for an atomic rename
    try:
        kept = _set_aside(db, key) if db.exists() else None
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm", "-journal"):  # the replaced file's journal must not meet the backup
        with contextlib.suppress(FileNotFoundError):
            Path(f"{db}{suffix}").unlink()
    if db.exists():
        db.unlink()
    os.replace(staged, db)
    private_file(db)
    slots = backup_slots_path(source)
    if not same_key and slots.is_file():  # another installation's backup: its slots open it
        shutil.copyfile(slots, data_dir / KEYSLOTS_FILENAME)
        private_file(data_dir / KEYSLOTS_FILENAME)
    return RestoreResult(facts, kept)
