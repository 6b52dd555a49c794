"""The USB bundle file: pending batches carried from a desktop to the city server.

Layout (all UTF-8 lines up to the payload)::

    JYDESK-BUNDLE/1\n
    <header JSON>\n           {"format":1,"device_id","village_code","created_at",
                               "batch_count","change_count","payload_size","payload_sha256"}
    hmac-sha256 <hex>\n       HMAC-SHA256 over line 1 + line 2 + payload, keyed with
                              bundle_key(secret) = HMAC-SHA256(device secret, "jydesk-bundle-v1")
    <payload>                 format 2: nonce(12) + AES-256-GCM(zstd(JSON list of Batch objects, as sent
                              to POST /api/v1/batches)) under HMAC-SHA256(bundle_key, "jydesk-bundle-enc-v1");
                              format 1 (still read): the zstd bytes in plain

Since format 2 the file on the USB stick reveals nobody (docs/architecture.md § Encryption at
rest); the server, which holds ``bundle_key``, decrypts it on import.

The checksum tells a damaged file (``bundle_invalid``) from a modified one (the HMAC
fails: ``bundle_tampered``). The server imports each batch with the batch semantics, so
importing a bundle twice, or pushing the same batches online afterwards, applies nothing
twice.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
import zstandard
from pydantic import ValidationError as PydanticError

from sync.protocol.models import Batch

MAGIC = b"JYDESK-BUNDLE/1\n"
FORMAT = 2
READABLE_FORMATS = (1, 2)
SUFFIX = ".jybundle"
_KEY_LABEL = b"jydesk-bundle-v1"
_ENC_LABEL = b"jydesk-bundle-enc-v1"
_MAX_PAYLOAD = 512 * 1024 * 1024


class BundleError(ValueError):
    """A bundle that cannot be used; ``code`` is ``bundle_invalid`` or ``bundle_tampered``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def bundle_key(secret: str) -> bytes:
    """The signing key derived from a device secret (the server stores this, not the secret)."""
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class BundleHeader:
    device_id: str
    village_code: str
    created_at: str
    batch_count: int
    change_count: int
    payload_size: int
    payload_sha256: str
    format: int = FORMAT


@dataclass(frozen=True, slots=True)
class Bundle:
    header: BundleHeader
    batches: list[Batch]


def write_bundle(batches: list[Batch], *, device_id: str, village_code: str, key: bytes,
                 created_at: datetime | None = None) -> bytes:
    """The bundle file bytes for ``batches``, signed with ``key`` (see :func:`bundle_key`)."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    compressed = zstandard.ZstdCompressor(level=9).compress(
        orjson.dumps([b.model_dump(mode="json") for b in batches]))
    nonce = os.urandom(12)
    payload = nonce + AESGCM(_enc_key(key)).encrypt(nonce, compressed, MAGIC)
    header = {
        "format": FORMAT, "device_id": device_id, "village_code": village_code,
        "created_at": (created_at or datetime.now(UTC)).isoformat(),
        "batch_count": len(batches), "change_count": sum(len(b.changes) for b in batches),
        "payload_size": len(payload), "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    head = MAGIC + orjson.dumps(header) + b"\n"
    signature = hmac.new(key, head + payload, hashlib.sha256).hexdigest()
    return head + f"hmac-sha256 {signature}\n".encode() + payload


def _enc_key(key: bytes) -> bytes:
    return hmac.new(key, _ENC_LABEL, hashlib.sha256).digest()


def save_bundle(path: Path, data: bytes) -> None:
    """Write atomically: a half-written file on a pulled USB stick must not look complete."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def read_header(data: bytes) -> tuple[BundleHeader, bytes, str, bytes]:
    """Split a bundle into (header, signed part, signature hex, payload); checks the checksum."""
    if not data.startswith(MAGIC):
        raise BundleError("bundle_invalid", "不是 jydesk 数据包文件")
    try:
        header_end = data.index(b"\n", len(MAGIC))
        sig_end = data.index(b"\n", header_end + 1)
        header = orjson.loads(data[len(MAGIC):header_end])
        sig_line = data[header_end + 1:sig_end].decode("ascii")
        h = BundleHeader(str(header["device_id"]), str(header["village_code"]), str(header["created_at"]),
                         int(header["batch_count"]), int(header["change_count"]), int(header["payload_size"]),
                         str(header["payload_sha256"]), int(header["format"]))
        if h.format not in READABLE_FORMATS:
            raise BundleError("bundle_invalid", f"数据包格式版本 {header['format']} 不受支持")
    except BundleError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, orjson.JSONDecodeError):
        raise BundleError("bundle_invalid", "数据包文件头已损坏") from None
    algo, _, signature = sig_line.partition(" ")
    if algo != "hmac-sha256" or len(signature) != 64:
        raise BundleError("bundle_invalid", "数据包签名行已损坏")
    payload = data[sig_end + 1:]
    if len(payload) != h.payload_size or hashlib.sha256(payload).hexdigest() != h.payload_sha256:
        raise BundleError("bundle_invalid", "数据包内容不完整或已损坏（校验值不符），请重新导出")
    return h, data[:header_end + 1] + payload, signature, payload


def verify(data: bytes, key: bytes) -> Bundle:
    """Check checksum and signature, then decode the batches. Raises BundleError."""
    header, signed, signature, payload = read_header(data)
    expected = hmac.new(key, signed, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise BundleError("bundle_tampered", "数据包签名不符，文件可能被修改过，已拒绝导入")
    if header.format >= 2:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            payload = AESGCM(_enc_key(key)).decrypt(payload[:12], payload[12:], MAGIC)
        except (InvalidTag, ValueError):
            raise BundleError("bundle_tampered", "数据包无法解密，文件可能被修改过，已拒绝导入") from None
    try:
        raw = zstandard.ZstdDecompressor().decompress(payload, max_output_size=_MAX_PAYLOAD)
        batches = [Batch.model_validate(b) for b in orjson.loads(raw)]
    except (zstandard.ZstdError, orjson.JSONDecodeError, PydanticError, TypeError) as exc:
        raise BundleError("bundle_invalid", f"数据包内容无法解析：{exc.__class__.__name__}") from None
    for b in batches:
        if b.device_id.lower() != header.device_id.lower():
            raise BundleError("bundle_tampered", "数据包中的批次不属于该设备")
    return Bundle(header, batches)
