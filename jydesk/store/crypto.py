"""The installation's data key and AES-256-GCM sealing (docs/architecture.md § Encryption at rest).

One random 256-bit :class:`DataKey` per installation opens the SQLCipher database (a raw key:
no key derivation per open) and seals attachments and thumbnails. Sealed files carry a small
header (magic, version byte, nonce) so a file from another key or a damaged one is refused,
never shown half-decrypted.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

KEY_BYTES = 32
NONCE_BYTES = 12
FILE_MAGIC = b"JYENC"
FILE_VERSION = 1
_HEADER = len(FILE_MAGIC) + 1 + NONCE_BYTES


class DecryptError(ValueError):
    """Sealed data did not open: wrong key, another installation's file, or damage."""


@dataclass(frozen=True, slots=True)
class DataKey:
    """The installation's 256-bit data key. Its bytes never appear in ``repr``."""

    raw: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != KEY_BYTES:
            raise ValueError("数据密钥长度不正确")

    @classmethod
    def generate(cls) -> DataKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @property
    def pragma(self) -> str:
        """The SQLCipher statement that opens the database with this raw key."""
        return f"PRAGMA key = \"x'{self.raw.hex()}'\""


def seal(key: bytes, data: bytes, aad: bytes = b"") -> tuple[bytes, bytes]:
    """(nonce, ciphertext+tag) of ``data`` under the 256-bit ``key`` with AES-256-GCM."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, data, aad or None)


def unseal(key: bytes, nonce: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(nonce, sealed, aad or None)
    except (InvalidTag, ValueError):
        raise DecryptError("解密失败") from None


def encrypt_bytes(key: DataKey, data: bytes, aad: bytes = b"") -> bytes:
    """A sealed blob: ``JYENC`` + version byte + nonce + ciphertext and tag."""
    nonce, sealed = seal(key.raw, data, aad)
    return FILE_MAGIC + bytes([FILE_VERSION]) + nonce + sealed


def decrypt_bytes(key: DataKey, blob: bytes, aad: bytes = b"") -> bytes:
    if len(blob) < _HEADER + 16 or not blob.startswith(FILE_MAGIC):
        raise DecryptError("不是本机加密的文件")
    if blob[len(FILE_MAGIC)] != FILE_VERSION:
        raise DecryptError("加密文件的版本不受支持")
    nonce = blob[len(FILE_MAGIC) + 1:_HEADER]
    return unseal(key.raw, nonce, blob[_HEADER:], aad)


def read_encrypted(key: DataKey, path: Path) -> bytes:
    """The plain content of a sealed file, decrypted in memory."""
    return decrypt_bytes(key, Path(path).read_bytes())


def is_encrypted_blob(head: bytes) -> bool:
    return head.startswith(FILE_MAGIC)
