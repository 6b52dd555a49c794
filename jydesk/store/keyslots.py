"""Key slots: the data key sealed once per clerk and once under the recovery key.

``keyslots.json`` (0600) lies beside the database, so a login can open the database before any
of it is read. Each clerk's slot holds the data key sealed with AES-256-GCM under the argon2id
hash of the password (the login parameters: t=3, 64 MiB, p=4; additional data = the username),
so checking the password and unwrapping the key are the same single argon2 computation. The
recovery slot seals it under a random recovery key shown once at set-up. A slot may also be
made from a clerk's stored password hash (upgrade of a plain installation): its raw argon2
output is the key that seals the slot, and the next login with that password opens it.
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from typing import Any

from jydesk.store.crypto import DataKey, DecryptError, seal, unseal
from jydesk.store.private_files import write_atomic

KEYSLOTS_FILENAME = "keyslots.json"
FORMAT = 1
TIME_COST, MEMORY_KIB, PARALLELISM, HASH_LEN, SALT_LEN = 3, 65536, 4, 32, 16
RECOVERY_BYTES = 30  # 240 bits: 48 base32 letters, 12 groups of 4
_RECOVERY_INFO = b"jydesk recovery key v1"


class KeySlotsError(RuntimeError):
    """``keyslots.json`` is missing, unreadable or damaged; ``str()`` is the Chinese reason."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def derive(password: str, salt: bytes, t: int = TIME_COST, m: int = MEMORY_KIB, p: int = PARALLELISM) -> bytes:
    """The raw argon2id hash of ``password`` (32 bytes): the key that seals a clerk's slot."""
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(password.encode("utf-8"), salt, time_cost=t, memory_cost=m, parallelism=p,
                           hash_len=HASH_LEN, type=Type.ID)


def parse_phc(encoded: str) -> tuple[bytes, bytes, int, int, int]:
    """(salt, raw hash, t, m, p) of an argon2id PHC string as ``argon2-cffi`` stores it."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[1] != "argon2id":
        raise ValueError("不是 argon2id 密码散列")
    params = dict(item.split("=", 1) for item in parts[3].split(","))
    return _unb64(parts[4]), _unb64(parts[5]), int(params["t"]), int(params["m"]), int(params["p"])


def format_recovery(raw: bytes) -> str:
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def parse_recovery(code: str) -> bytes | None:
    text = "".join(ch for ch in code.upper() if ch.isalnum()).replace("0", "O").replace("1", "I").replace("8", "B")
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (ValueError, TypeError):
        return None
    return raw if len(raw) == RECOVERY_BYTES else None


def _recovery_kek(raw: bytes, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_RECOVERY_INFO).derive(raw)


class KeySlots:
    """The slots of one data folder (or of one backup file), read from and written to ``path``."""

    def __init__(self, path: Path, data: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.data: dict[str, Any] = data or {"format": FORMAT, "slots": {}, "recovery": None, "village": ""}

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> KeySlots:
        return cls.load(Path(data_dir) / KEYSLOTS_FILENAME)

    @classmethod
    def load(cls, path: Path) -> KeySlots:
        """The slots in ``path`` (none yet if the file does not exist)."""
        path = Path(path)
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise KeySlotsError(f"无法读取密钥文件 {path}（{exc.strerror or exc}）") from None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("slots"), dict):
                raise ValueError
        except ValueError:
            raise KeySlotsError(f"密钥文件 {path} 已损坏，无法登录；请用恢复密钥或从备份恢复") from None
        return cls(path, data)

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @property
    def empty(self) -> bool:
        return not self.data["slots"] and not self.data.get("recovery")

    @property
    def village(self) -> str:
        return str(self.data.get("village") or "")

    @village.setter
    def village(self, caption: str) -> None:
        self.data["village"] = caption

    def usernames(self) -> list[str]:
        return sorted(self.data["slots"])

    def has(self, username: str) -> bool:
        return username in self.data["slots"]

    # ---- opening ----

    def unlock(self, username: str, password: str) -> DataKey | None:
        """The data key if ``password`` opens ``username``'s slot (one argon2 computation), else None.
        Writes nothing."""
        slot = self.data["slots"].get(username)
        if slot is None:
            return None
        try:
            kek = derive(password, _unb64(slot["salt"]), int(slot["t"]), int(slot["m"]), int(slot["p"]))
            return DataKey(unseal(kek, _unb64(slot["nonce"]), _unb64(slot["sealed"]), username.encode("utf-8")))
        except (DecryptError, KeyError, ValueError):
            return None

    def unlock_recovery(self, code: str) -> DataKey | None:
        slot = self.data.get("recovery")
        raw = parse_recovery(code)
        if not slot or raw is None:
            return None
        try:
            kek = _recovery_kek(raw, _unb64(slot["salt"]))
            return DataKey(unseal(kek, _unb64(slot["nonce"]), _unb64(slot["sealed"]), b"recovery"))
        except (DecryptError, KeyError, ValueError):
            return None

    # ---- changing (call save() afterwards) ----

    def put(self, username: str, password: str, key: DataKey, *, cost: tuple[int, int, int] | None = None) -> None:
        """Seal ``key`` for ``username`` under a fresh salt (adding or re-wrapping the slot);
        ``cost`` (t, m, p) other than the login parameters is for tests only."""
        salt = secrets.token_bytes(SALT_LEN)
        t, m, p = cost or (TIME_COST, MEMORY_KIB, PARALLELISM)
        self._put(username, derive(password, salt, t, m, p), salt, t, m, p, key)

    def put_from_hash(self, username: str, password_hash: str, key: DataKey) -> None:
        """Seal ``key`` for ``username`` under the raw hash of their stored argon2id password hash."""
        salt, raw, t, m, p = parse_phc(password_hash)
        self._put(username, raw, salt, t, m, p, key)

    def _put(self, username: str, kek: bytes, salt: bytes, t: int, m: int, p: int, key: DataKey) -> None:
        nonce, sealed = seal(kek, key.raw, username.encode("utf-8"))
        self.data["slots"][username] = {"salt": _b64(salt), "t": t, "m": m, "p": p, "nonce": _b64(nonce),
                                        "sealed": _b64(sealed)}

    def remove(self, username: str) -> bool:
        return self.data["slots"].pop(username, None) is not None

    def new_recovery(self, key: DataKey) -> str:
        """Make (or replace) the recovery slot; returns the recovery key, to be shown once."""
        raw, salt = secrets.token_bytes(RECOVERY_BYTES), secrets.token_bytes(SALT_LEN)
        nonce, sealed = seal(_recovery_kek(raw, salt), key.raw, b"recovery")
        self.data["recovery"] = {"salt": _b64(salt), "nonce": _b64(nonce), "sealed": _b64(sealed)}
        return format_recovery(raw)

    def save(self, path: Path | None = None) -> Path:
        """Write atomically as a 0600 file (to ``path``, e.g. beside a backup, or to its own)."""
        target = Path(path) if path is not None else self.path
        write_atomic(target, json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
        return target


def backup_slots_path(backup: Path) -> Path:
    """Where a backup's key slots lie: ``<backup>.keyslots.json``."""
    return Path(f"{backup}.keyslots.json")


def copy_slots(data_dir: Path, target: Path) -> None:
    """Copy the data folder's key slots to ``target`` (if it has any)."""
    slots = KeySlots.for_data_dir(data_dir)
    if slots.exists:
        slots.save(target)


__all__ = ["KEYSLOTS_FILENAME", "KeySlots", "KeySlotsError", "backup_slots_path", "copy_slots", "derive",
           "format_recovery", "parse_recovery"]

