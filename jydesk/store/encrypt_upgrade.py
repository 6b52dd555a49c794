"""Encrypting a data folder from before encryption (docs/architecture.md § Encryption at rest).

On the first start of this version (app or command line) a plain ``jydesk.sqlite3`` is copied
into a new SQLCipher file under a new data key (``sqlcipher_export``), the copy is verified
(integrity check, equal row counts in every table), synced to disk and renamed over the plain
file; the plain file's blocks are then overwritten and removed, and plain backups are encrypted
the same way. Every active clerk gets a key slot made from their stored argon2 password hash,
so their passwords keep working without anyone logging in first; a recovery key is made and
returned (to show once).

Crash safety: until the rename the plain file is untouched (the new file is a temporary one,
removed by the next attempt); the rename is atomic; a hard link keeps the plain file's blocks
reachable until they are overwritten, and :func:`finish_interrupted` completes that step after
a crash.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jydesk.store.backup import backups_dir
from jydesk.store.connection import DatabaseError, DatabaseFileError, connect, is_plain_sqlite
from jydesk.store.crypto import DataKey
from jydesk.store.database import DB_FILENAME
from jydesk.store.keyslots import KeySlots, backup_slots_path
from jydesk.store.private_files import fsync_dir, private_dir, private_file, shred

Progress = Callable[[int, str], None]
TMP_SUFFIX = ".encrypting"
OLD_SUFFIX = ".plain-old"


@dataclass(frozen=True, slots=True)
class Encrypted:
    key: DataKey
    recovery_key: str
    clerks: int  # clerks whose passwords open the data now


def _counts(conn: object) -> dict[str, int]:
    tables = [r[0] for r in conn.execute(  # type: ignore[attr-defined]
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # type: ignore[attr-defined]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def export_encrypted(source: Path, target: Path, key: DataKey) -> dict[str, int]:
    """Copy the plain database ``source`` into a new SQLCipher file ``target`` and verify it;
    ``source`` is left as one file (its WAL checkpointed into it). Returns the row counts."""
    for p in (target, Path(f"{target}-journal")):
        p.unlink(missing_ok=True)
    plain = connect(source, None)
    try:
        busy = plain.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy and busy[0]:
            raise DatabaseFileError(source, "正被其他程序使用，暂时无法加密（请关闭其他 jydesk 程序后再试）")
        plain.execute("PRAGMA journal_mode=DELETE")  # no -wal beside it any more
        counts = _counts(plain)
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.raw.hex()}'\"", (str(target),))
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    copy = connect(target, key, read_only=True)
    try:
        problems = [r[0] for r in copy.execute("PRAGMA integrity_check(5)")]
        copied = _counts(copy)
    finally:
        copy.close()
    if problems != ["ok"] or copied != counts:
        target.unlink(missing_ok=True)
        raise DatabaseFileError(source, "加密后的副本校验未通过，原文件未改动")
    private_file(target)
    _fsync(target)
    return counts


def replace_plain(plain: Path, encrypted: Path) -> None:
    """Put ``encrypted`` in place of ``plain`` atomically, then overwrite and remove the plain blocks."""
    old = Path(f"{plain}{OLD_SUFFIX}")
    old.unlink(missing_ok=True)
    os.link(plain, old)  # the plain blocks stay reachable (to overwrite them) after the rename
    os.replace(encrypted, plain)
    fsync_dir(plain.parent)
    shred(old)
    for suffix in ("-wal", "-shm", "-journal"):
        shred(Path(f"{plain}{suffix}"))


def finish_interrupted(data_dir: Path) -> None:
    """Complete or undo an upgrade cut short: remove the temporary copy, and overwrite the kept
    plain blocks if the encrypted file is already in place."""
    db = Path(data_dir) / DB_FILENAME
    Path(f"{db}{TMP_SUFFIX}").unlink(missing_ok=True)
    old = Path(f"{db}{OLD_SUFFIX}")
    if old.exists():
        if db.exists() and not is_plain_sqlite(db):
            shred(old)
        else:
            old.unlink()  # the plain file is still in place (the same blocks): only the link goes


def encrypt_plain_folder(data_dir: Path, progress: Progress | None = None) -> Encrypted:
    """Encrypt the plain database of ``data_dir`` and its plain backups (see the module's text)."""
    data_dir = private_dir(Path(data_dir))
    say = progress or (lambda _p, _t: None)
    db = data_dir / DB_FILENAME
    finish_interrupted(data_dir)
    if not is_plain_sqlite(db):
        raise DatabaseFileError(db, "不是未加密的旧版数据文件")
    say(5, "正在读取专干账号……")
    key = DataKey.generate()
    slots = KeySlots.for_data_dir(data_dir)
    slots.data["slots"] = {}
    conn = connect(db, None, read_only=True)
    try:
        users = conn.execute("SELECT username, password_hash FROM users WHERE active = 1").fetchall()
        village = conn.execute("SELECT village_code, village_name FROM installation").fetchone()
    except DatabaseError:
        users, village = [], None
    finally:
        conn.close()
    for username, password_hash in users:
        with contextlib.suppress(ValueError, KeyError):
            slots.put_from_hash(username, password_hash, key)
    recovery = slots.new_recovery(key)
    if village:
        slots.village = f"{village[1]}（{village[0]}）"
    say(15, "正在加密数据文件……")
    tmp = Path(f"{db}{TMP_SUFFIX}")
    export_encrypted(db, tmp, key)
    say(70, "正在保存密钥……")
    slots.save()  # before the rename: an encrypted file never lies there without its slots
    replace_plain(db, tmp)
    say(80, "正在加密备份……")
    folder = backups_dir(data_dir)
    if folder.is_dir():
        private_dir(folder)
        for backup in sorted(folder.glob("*.sqlite3")):
            if is_plain_sqlite(backup):
                staged = backup.with_name(f".{backup.name}{TMP_SUFFIX}")
                try:
                    export_encrypted(backup, staged, key)
                except (DatabaseError, DatabaseFileError):
                    staged.unlink(missing_ok=True)
                    shred(backup)  # a damaged plain backup is not kept in plain
                    continue
                slots.save(backup_slots_path(backup))
                replace_plain(backup, staged)
    say(100, "加密完成")
    return Encrypted(key, recovery, len(slots.usernames()))
