"""Opening an encrypted data folder: first set-up (data key, recovery key), a clerk's login,
the recovery key (docs/architecture.md § Encryption at rest).

A login unwraps the data key from the clerk's key slot (one argon2 computation, which is also
the password check), opens the database with it and records the login there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jydesk.store.actor import Actor
from jydesk.store.connection import is_plain_sqlite
from jydesk.store.crypto import DataKey
from jydesk.store.database import DB_FILENAME, Store, open_store
from jydesk.store.keyslots import KeySlots

WRONG_LOGIN = "用户名或密码错误"


class LoginRefused(RuntimeError):
    """The data folder was not opened; ``str()`` is the Chinese reason for the clerk."""


class NeedsUpgrade(LoginRefused):
    """The data file is a plain (pre-encryption) SQLite file: it must be encrypted first."""


@dataclass(frozen=True, slots=True)
class NewInstallation:
    store: Store
    recovery_key: str  # shown once, printed for the town office


def folder_state(data_dir: Path) -> str:
    """``new`` (nothing yet), ``plain`` (to encrypt), ``locked`` (encrypted, slots present) or
    ``no_slots`` (encrypted database without its key slots)."""
    db = Path(data_dir) / DB_FILENAME
    if Path(f"{db}.plain-old").exists() or Path(f"{db}.encrypting").exists():
        from jydesk.store.encrypt_upgrade import finish_interrupted

        finish_interrupted(data_dir)  # an upgrade to encryption was cut short
    slots = KeySlots.for_data_dir(data_dir)
    if not db.exists():
        return "new" if slots.empty else "locked"
    if is_plain_sqlite(db):
        return "plain"
    return "no_slots" if slots.empty else "locked"


def create_installation(data_dir: Path) -> NewInstallation:
    """A new data folder: a random data key, its recovery slot and the empty encrypted database.
    The first clerk's slot is made when the account is created (``accounts.create_user``)."""
    key = DataKey.generate()
    slots = KeySlots.for_data_dir(data_dir)
    if not slots.empty:
        raise LoginRefused(f"数据文件夹 {data_dir} 已经设置过密钥，不能重新设置")
    store = open_store(data_dir, key=key)
    recovery = slots.new_recovery(key)
    slots.save()
    return NewInstallation(store, recovery)


def unlock_key(data_dir: Path, username: str, password: str) -> DataKey:
    """The data key if ``password`` opens ``username``'s slot; writes nothing."""
    slots = KeySlots.for_data_dir(data_dir)
    if slots.empty:
        state = folder_state(data_dir)
        if state == "plain":
            raise NeedsUpgrade("数据文件尚未加密，请先启动新版 jydesk 完成加密升级")
        if state == "new":
            raise LoginRefused(f"数据文件夹 {data_dir} 中没有数据库（请先运行 jydesk 完成首次设置，或用 --data-dir 指定）")
        raise LoginRefused(f"数据文件夹 {data_dir} 缺少密钥文件 keyslots.json，无法解密；请从备份恢复（备份旁的 .keyslots.json）")
    key = slots.unlock(username.strip(), password)
    if key is None:
        raise LoginRefused(WRONG_LOGIN)
    return key


def recovery_key_unlock(data_dir: Path, code: str) -> DataKey:
    key = KeySlots.for_data_dir(data_dir).unlock_recovery(code)
    if key is None:
        raise LoginRefused("恢复密钥不正确")
    return key


def login(data_dir: Path, username: str, password: str, *, key: DataKey | None = None) -> tuple[Store, Actor]:
    """Unlock (unless ``key`` was already unwrapped with this password), open and record the
    login; :class:`LoginRefused` with the Chinese reason if not."""
    key = key or unlock_key(data_dir, username, password)
    store = open_store(data_dir, key=key)
    from jydesk.store.accounts import record_login

    try:
        result = record_login(store, username)
    except BaseException:
        store.close()
        raise
    if not result.ok or result.actor is None:
        store.close()
        raise LoginRefused(result.message or WRONG_LOGIN)
    return store, result.actor
