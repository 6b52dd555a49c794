"""Backups of the data file: consistent while the app writes (SQLite's online backup API),
written atomically (a temporary file renamed into place) and counted as good only after the copy
passed ``PRAGMA integrity_check`` (the same pages as the data, so it checks them too).

Automatic backups live in ``<data folder>/backups``: one on the first start of each day (kept:
the newest of each of the last 7 days and of the last 4 weeks) and one before each upgrade and
restore (the last few of each kind kept). A clerk can also copy the data to a folder of choice.

A backup is SQLCipher under the same data key, and the data folder's key slots are copied beside
it (``<backup>.keyslots.json``), so it restores on a new computer with a clerk's password or the
recovery key. Backup files are 0600, the folder 0700.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jydesk.store.connection import DatabaseError, DatabaseFileError, check_header, connect, is_damage
from jydesk.store.integrity import check_file
from jydesk.store.keyslots import backup_slots_path, copy_slots
from jydesk.store.private_files import fsync_dir, private_dir, private_file

if TYPE_CHECKING:
    from jydesk.store.crypto import DataKey

BACKUP_DIR = "backups"
DAILY = "daily"
KIND_LABELS = {DAILY: "每日自动备份", "before-upgrade": "升级前备份", "before-restore": "恢复前备份",
               "damaged": "损坏的原文件（仅供排查）"}
GOOD_KINDS = frozenset(KIND_LABELS) - {"damaged"}
KEEP_DAYS, KEEP_WEEKS, KEEP_OTHERS = 7, 4, 5
_NAME = re.compile(r"^jydesk-(\d{8}-\d{6})(?:-\d+)?-([a-z-]+)\.sqlite3$")


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    taken_at: datetime
    kind: str

    @property
    def label(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M}（{KIND_LABELS.get(self.kind, self.kind)}）"


def backups_dir(data_dir: Path) -> Path:
    return Path(data_dir) / BACKUP_DIR


def _fsync_dir(folder: Path) -> None:
    fsync_dir(folder)


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"), backup_slots_path(path)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def snapshot(source: Path, key: DataKey, target: Path, *, slots: bool = True) -> Path:
    """Copy the database ``source`` to ``target`` (a single self-contained file) and check the copy.

    Consistent while other connections write; ``target`` appears only once the copy is complete
    and whole, with the key slots of ``source``'s folder beside it (``slots``). Raises
    :class:`DatabaseFileError` when ``source`` is damaged (nothing is written)."""
    check_header(source, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove(tmp)
    try:
        src = connect(source, key, read_only=True)
        try:
            dst = connect(tmp, key)
            try:
                src.backup(dst)  # one step: a read transaction on the source, writers go on (WAL)
                dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            finally:
                dst.close()
        finally:
            src.close()
        try:
            check_file(tmp, key)
        except DatabaseFileError as exc:
            raise DatabaseFileError(source, exc.reason) from None
        private_file(tmp)
        if slots:
            copy_slots(source.parent, backup_slots_path(target))
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except DatabaseError as exc:
        _remove(tmp)
        if is_damage(exc):
            raise DatabaseFileError(source, f"已损坏（{exc}）") from None
        raise
    except BaseException:
        _remove(tmp)
        raise
    return target


def _unique(folder: Path, stem: str, suffix: str) -> Path:
    path, n = folder / f"{stem}{suffix}", 2
    while path.exists():
        path, n = folder / f"{stem}-{n}{suffix}", n + 1
    return path


def _name(stamp: datetime, kind: str) -> tuple[str, str]:
    return f"jydesk-{stamp:%Y%m%d-%H%M%S}", f"-{kind}.sqlite3"


def make_backup(db_path: Path, key: DataKey, kind: str = DAILY, *, now: datetime | None = None) -> BackupInfo:
    """An automatic backup of ``db_path`` into its folder's ``backups/``, then old ones pruned."""
    stamp = now or datetime.now()
    folder = private_dir(backups_dir(db_path.parent))
    target = snapshot(db_path, key, _unique(folder, *_name(stamp, kind)))
    prune(db_path.parent)
    return BackupInfo(target, stamp.replace(microsecond=0), kind)


def backup_to(db_path: Path, key: DataKey, destination: Path, *, now: datetime | None = None) -> Path:
    """A backup at ``destination``: a file path, or a folder (a USB stick) to put a dated file in."""
    if destination.is_dir():
        stem, suffix = _name(now or datetime.now(), "manual")
        destination = _unique(destination, stem, suffix)
    return snapshot(db_path, key, destination)


def list_backups(data_dir: Path) -> list[BackupInfo]:
    """The automatic backups of ``data_dir``, newest first."""
    found = []
    folder = backups_dir(data_dir)
    for path in folder.glob("jydesk-*.sqlite3") if folder.is_dir() else ():
        match = _NAME.match(path.name)
        if match:
            found.append(BackupInfo(path, datetime.strptime(match[1], "%Y%m%d-%H%M%S"), match[2]))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def newest_good_backup(data_dir: Path, key: DataKey) -> BackupInfo | None:
    """The newest automatic backup that was checked when written and still has a whole header."""
    for info in list_backups(data_dir):
        if info.kind in GOOD_KINDS:
            try:
                check_header(info.path, key)
            except DatabaseFileError:
                continue
            return info
    return None


def daily_backup_due(data_dir: Path, today: date | None = None) -> bool:
    today = today or date.today()
    return not any(b.kind == DAILY and b.taken_at.date() == today for b in list_backups(data_dir))


def prune(data_dir: Path) -> list[Path]:
    """Delete old automatic backups: daily ones beyond the newest of each of the last 7 days and
    the last 4 ISO weeks; of each other kind, all but the last few. Returns what was deleted."""
    keep: set[Path] = set()
    days: dict[date, Path] = {}
    weeks: dict[tuple[int, int], Path] = {}
    others: dict[str, list[Path]] = {}
    for b in list_backups(data_dir):  # newest first: the first seen of a day or week is kept
        if b.kind == DAILY:
            days.setdefault(b.taken_at.date(), b.path)
            weeks.setdefault(tuple(b.taken_at.isocalendar())[:2], b.path)  # type: ignore[arg-type]
        else:
            others.setdefault(b.kind, []).append(b.path)
    keep.update(list(days.values())[:KEEP_DAYS])
    keep.update(list(weeks.values())[:KEEP_WEEKS])
    for paths in others.values():
        keep.update(paths[:KEEP_OTHERS])
    deleted = [b.path for b in list_backups(data_dir) if b.path not in keep]
    for path in deleted:
        _remove(path)
    return deleted
