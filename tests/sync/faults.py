"""Fault injection between the sync client and the server: an httpx transport hook and a
throttling TCP proxy on loopback."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from collections.abc import Callable

import httpx

Rule = Callable[[httpx.Request, int], str | None]


class FaultyTransport(httpx.BaseTransport):
    """Forwards to a real transport; ``rule(request, n)`` (n = how many requests to that path
    so far) may say ``"drop_after"`` (server commits, answer lost), ``"drop_before"`` (never
    reaches the server), ``"500"`` or ``"413"`` (that answer, without reaching the server),
    ``"500_after"`` (the server commits, the client gets 500)."""

    def __init__(self, rule: Rule) -> None:
        self.inner = httpx.HTTPTransport()
        self.rule = rule
        self.seen: dict[str, int] = {}
        self.log: list[tuple[str, str, str | None]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url.path}"
        self.seen[key] = self.seen.get(key, 0) + 1
        action = self.rule(request, self.seen[key])
        self.log.append((request.method, request.url.path, action))
        if action == "drop_before":
            raise httpx.ConnectError("injected: connection refused", request=request)
        if action == "500":
            return httpx.Response(500, json={"code": "internal", "detail": "注入的服务器错误", "title": "x",
                                             "status": 500}, headers={"content-type": "application/problem+json"})
        if action == "413":
            return httpx.Response(413, json={"code": "batch_too_long", "detail": "一批最多 3 条修改", "title": "x",
                                             "status": 413}, headers={"content-type": "application/problem+json"})
        response = self.inner.handle_request(request)
        if action == "500_after":  # the server applied it, but the answer is an error
            response.read()
            response.close()
            return httpx.Response(500, json={"code": "internal", "detail": "注入的服务器错误", "title": "x",
                                             "status": 500}, headers={"content-type": "application/problem+json"})
        if action == "drop_after":
            response.read()
            response.close()
            raise httpx.ReadError("injected: connection dropped after the server answered", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


class ThrottlingProxy:
    """A TCP proxy on 127.0.0.1 that delivers bytes no faster than ``bits_per_second`` and
    each chunk ``latency`` seconds after it arrived, in both directions."""

    def __init__(self, upstream_port: int, *, bits_per_second: int = 64_000, latency: float = 0.3) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.rate = bits_per_second / 8
        self.latency = latency
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        self.bytes = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        queue: deque[tuple[float, bytes]] = deque()
        done = threading.Event()
        ready = threading.Condition()

        def reader() -> None:
            try:
                while chunk := src.recv(4096):
                    with ready:
                        queue.append((time.monotonic() + self.latency, chunk))
                        ready.notify()
            except OSError:
                pass
            with ready:
                done.set()
                ready.notify()

        threading.Thread(target=reader, daemon=True).start()
        try:
            while True:
                with ready:
                    while not queue and not done.is_set():
                        ready.wait()
                    if not queue:
                        break
                    due, chunk = queue.popleft()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                for i in range(0, len(chunk), 512):
                    part = chunk[i:i + 512]
                    dst.sendall(part)
                    self.bytes += len(part)
                    time.sleep(len(part) / self.rate)
        except OSError:
            pass
        finally:
            for s in (dst, src):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.closed = True
        self.listener.close()
