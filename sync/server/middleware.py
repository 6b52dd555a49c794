"""ASGI middleware: body size limits, request decompression, response compression.

Requests: a body over ``max_body_bytes`` (as sent) is refused with 413 without being kept:
the rest of it is read and dropped (up to ``DRAIN_LIMIT``) before the answer, so the client, still
sending, reads the 413 instead of a connection reset; ``Content-Encoding: gzip|zstd`` bodies are decompressed with a ceiling of
``max_decoded_bytes``. Responses: JSON answers are compressed with zstd or gzip when the
request's ``Accept-Encoding`` allows and the body is worth it.
"""

from __future__ import annotations

from typing import Any

import orjson

from sync.protocol.errors import ErrorCode
from sync.protocol.models import PROBLEM_CONTENT_TYPE
from sync.protocol.wire import WireError, choose_encoding, compress, decompress
from sync.server.config import Limits
from sync.server.errors import ServiceError

Scope = dict[str, Any]
MIN_COMPRESS = 1024
#: How much of a refused body is still read (and dropped) so the client gets the answer; beyond it
#: the connection is closed at once (a hostile upload is not read to its end).
DRAIN_LIMIT = 8 * 1024 * 1024


def problem_bytes(error: ServiceError) -> bytes:
    return orjson.dumps(error.problem())


class EncodingMiddleware:
    def __init__(self, app: Any, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body_in = _BodyReceiver(receive)
        try:
            body = await self._read_body(headers, body_in)
            encoding = headers.get("content-encoding")
            if encoding:
                body = decompress(body, encoding, max_size=self.limits.max_decoded_bytes)
        except WireError as exc:
            status = {"payload_too_large": 413, "unsupported_encoding": 415}.get(exc.code, 400)
            await self._problem(send, ServiceError(exc.code, status, str(exc)))
            return
        except ServiceError as exc:
            if exc.status == 413 and not body_in.ended:
                await _drain(headers, body_in)
            await self._problem(send, exc)
            return
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"]
                            if k.lower() not in (b"content-encoding", b"content-length")]
        scope["headers"].append((b"content-length", str(len(body)).encode()))
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await body_in()

        encoding_out = choose_encoding(headers.get("accept-encoding"))
        if encoding_out is None:
            await self.app(scope, replay, send)
        else:
            await self.app(scope, replay, _Compressor(send, encoding_out))

    async def _read_body(self, headers: dict[str, str], receive: Any) -> bytes:
        limit = self.limits.max_body_bytes
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ServiceError(ErrorCode.PAYLOAD_TOO_LARGE, 413, f"请求内容过大（上限 {limit // 1024} KB）")
        chunks = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunks += message.get("body", b"")
            if len(chunks) > limit:
                raise ServiceError(ErrorCode.PAYLOAD_TOO_LARGE, 413, f"请求内容过大（上限 {limit // 1024} KB）")
            if not message.get("more_body"):
                break
        return bytes(chunks)

    async def _problem(self, send: Any, error: ServiceError) -> None:
        body = problem_bytes(error)
        await send({"type": "http.response.start", "status": error.status,
                    "headers": [(b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class _BodyReceiver:
    """``receive`` that remembers whether the request body has been read to its end."""

    def __init__(self, receive: Any) -> None:
        self.receive = receive
        self.ended = False

    async def __call__(self) -> dict[str, Any]:
        message = await self.receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            self.ended = True
        return message


async def _drain(headers: dict[str, str], receive: Any) -> None:
    """Read and drop what is left of a refused request body, up to :data:`DRAIN_LIMIT`."""
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > DRAIN_LIMIT:
        return
    dropped = 0
    while dropped <= DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body"):
            return


class _Compressor:
    """Buffers a JSON response and sends it compressed; other responses pass through."""

    def __init__(self, send: Any, encoding: str) -> None:
        self.send = send
        self.encoding = encoding
        self.start: dict[str, Any] | None = None
        self.body = bytearray()
        self.passthrough = False

    async def __call__(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = {k.lower(): v for k, v in message.get("headers", [])}
            ctype = headers.get(b"content-type", b"")
            if b"json" not in ctype or b"content-encoding" in headers:
                self.passthrough = True
                await self.send(message)
            else:
                self.start = message
            return
        if self.passthrough or message["type"] != "http.response.body":
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body"):
            return
        assert self.start is not None
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        body = bytes(self.body)
        if len(body) >= MIN_COMPRESS:
            body = compress(body, self.encoding)
            headers.append((b"content-encoding", self.encoding.encode()))
        headers.append((b"vary", b"Accept-Encoding"))
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})
