"""Encoding on the wire: orjson bodies, gzip/zstd compression, the device auth header.

Requests may carry ``Content-Encoding: gzip`` or ``zstd``; the server compresses a
response when the request's ``Accept-Encoding`` allows (zstd preferred). Decompression
is bounded so a tiny hostile body cannot expand without limit.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import orjson
import zstandard
from pydantic import BaseModel

GZIP = "gzip"
ZSTD = "zstd"
ENCODINGS = (ZSTD, GZIP)
_CHUNK = 256 * 1024


class WireError(ValueError):
    """A body that cannot be decoded; ``code`` is an :class:`~sync.protocol.errors.ErrorCode` value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def dumps(value: BaseModel | Any) -> bytes:
    """JSON bytes of a model or plain value (datetimes as ISO 8601)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        # a lone surrogate (text saved before jydesk.domain.text cleaned it) cannot be UTF-8:
        # send it escaped, as JSON allows; the server drops it
        return json.dumps(value, separators=(",", ":")).encode()


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def compress(data: bytes, encoding: str | None, *, level: int = 3) -> bytes:
    """Compress ``data`` with ``encoding`` (``zstd``, ``gzip`` or None for none)."""
    if not encoding or encoding == "identity":
        return data
    if encoding == ZSTD:
        return zstandard.ZstdCompressor(level=level).compress(data)
    if encoding == GZIP:
        return gzip.compress(data, compresslevel=min(max(level, 1), 9), mtime=0)
    raise WireError("unsupported_encoding", f"不支持的压缩格式：{encoding}")


def decompress(data: bytes, encoding: str | None, *, max_size: int) -> bytes:
    """Undo ``Content-Encoding``; refuse output larger than ``max_size`` bytes."""
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        if len(data) > max_size:
            raise WireError("payload_too_large", "请求内容过大")
        return data
    if encoding == ZSTD:
        return _bounded_zstd(data, max_size)
    if encoding == GZIP:
        return _bounded_gzip(data, max_size)
    raise WireError("unsupported_encoding", f"不支持的压缩格式：{encoding}（仅支持 gzip 和 zstd）")


def _bounded_zstd(data: bytes, max_size: int) -> bytes:
    out = bytearray()
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True)
        while chunk := reader.read(_CHUNK):
            out += chunk
            if len(out) > max_size:
                raise WireError("payload_too_large", "解压后的请求内容过大")
    except zstandard.ZstdError as exc:
        raise WireError("bad_encoding", "请求内容不是有效的 zstd 数据") from exc
    return bytes(out)


def _bounded_gzip(data: bytes, max_size: int) -> bytes:
    decomp = zlib.decompressobj(wbits=31)
    out = bytearray()
    try:
        buf = data
        while buf:
            out += decomp.decompress(buf, max_size + 1 - len(out))
            if len(out) > max_size:
                raise WireError("payload_too_large", "解压后的请求内容过大")
            buf = decomp.unconsumed_tail
            if decomp.eof:
                break
        if not decomp.eof:
            raise WireError("bad_encoding", "gzip 数据不完整")
    except zlib.error as exc:
        raise WireError("bad_encoding", "请求内容不是有效的 gzip 数据") from exc
    return bytes(out)


def choose_encoding(accept_encoding: str | None) -> str | None:
    """The response encoding for an ``Accept-Encoding`` header (zstd before gzip)."""
    if not accept_encoding:
        return None
    offered = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _, val = p.strip().partition("=")
            if key == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        offered[name.strip().lower()] = q
    for enc in ENCODINGS:
        if offered.get(enc, offered.get("*", 0.0)) > 0:
            return enc
    return None


def device_token(device_id: str, secret: str) -> str:
    return f"{device_id}.{secret}"


def device_authorization(device_id: str, secret: str) -> dict[str, str]:
    """The ``Authorization`` header a device sends on every request."""
    return {"Authorization": f"Bearer {device_token(device_id, secret)}"}


def split_device_token(token: str) -> tuple[str, str] | None:
    """``(device_id, secret)`` from ``<device_id>.<secret>``, or None if malformed."""
    device_id, dot, secret = token.partition(".")
    if not dot or not device_id or not secret:
        return None
    return device_id, secret
