"""HTTP to the city server: timeouts, compression, retry with exponential backoff and jitter.

Network errors and 5xx answers are retried (a batch is resent byte-for-byte: the server
applies a batch id once, so a retry after a lost answer is safe); 429 waits for the
server's ``Retry-After``. Other 4xx answers are never retried: 401/403 raise
:class:`AuthError` (the clerk must re-enroll or ask the city), 426 :class:`UpgradeRequired`
(the server's 升级提示), the rest :class:`RequestRefused`. Every request names the program
and protocol version (``X-Jydesk-Version``, ``X-Jydesk-Protocol``).
The link speed is estimated from the uploads, so slow links get stronger compression and
smaller batches.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from jydesk.version import app_version
from sync.client.errors import AuthError, NetworkError, RequestRefused, SyncError, UpgradeRequired
from sync.protocol import wire
from sync.protocol.errors import ErrorCode, message
from sync.protocol.models import (
    API_PREFIX,
    PROBLEM_CONTENT_TYPE,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    VERSION_HEADER,
)

#: Below this many bytes per second a link counts as slow (64 kbit/s is 8 000 B/s).
SLOW_LINK_BYTES_PER_SECOND = 24_000
NORMAL_LEVEL = 3
SLOW_LEVEL = 19


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` tries in all; waits grow ``base * 2**n`` up to ``cap`` seconds, with jitter."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, rng: Callable[[], float]) -> float:
        ceiling = min(self.cap, self.base * (2 ** attempt))
        return ceiling / 2 + rng() * ceiling / 2


DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=90.0, write=90.0, pool=10.0)
#: Statuses after which sync stops until someone acts (no retry).
_STOP = (401, 403, 426)


def version_headers() -> dict[str, str]:
    """What every request says about this program."""
    return {VERSION_HEADER: app_version(), PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


class Transport:
    """One server, one device: JSON requests with auth, compression and retries."""

    def __init__(self, base_url: str, *, auth: dict[str, str] | None = None, client: httpx.Client | None = None,
                 retry: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
                 rng: Callable[[], float] = random.random, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 on_retry: Callable[[str], None] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth or {}
        self._own_client = client is None
        self.client = client or httpx.Client(timeout=timeout)
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.rng = rng
        self.on_retry = on_retry
        self.bytes_per_second: float | None = None
        self.bytes_sent = 0
        self.bytes_received = 0

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    # -- link speed ---------------------------------------------------------------------------

    @property
    def slow(self) -> bool:
        return self.bytes_per_second is not None and self.bytes_per_second < SLOW_LINK_BYTES_PER_SECOND

    @property
    def level(self) -> int:
        return SLOW_LEVEL if self.slow else NORMAL_LEVEL

    def _measure(self, sent: int, received: int, seconds: float) -> None:
        self.bytes_sent += sent
        self.bytes_received += received
        size = sent + received
        if size < 2048 or seconds <= 0:
            return
        speed = size / seconds
        self.bytes_per_second = speed if self.bytes_per_second is None else 0.5 * self.bytes_per_second + 0.5 * speed

    # -- requests -----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"

    def json(self, method: str, path: str, body: Any = None, *, params: dict[str, Any] | None = None,
             compress: bool = True, authenticated: bool = True) -> Any:
        """Send ``body`` (a model or plain value) as JSON; return the decoded JSON answer."""
        headers = {"Accept": "application/json", "Accept-Encoding": "zstd, gzip"}
        content: bytes | None = None
        if body is not None:
            raw = wire.dumps(body)
            headers["Content-Type"] = "application/json"
            if compress and len(raw) > 512:
                content = wire.compress(raw, wire.ZSTD, level=self.level)
                headers["Content-Encoding"] = wire.ZSTD
            else:
                content = raw
        response = self.send(method, path, content=content, headers=headers, params=params,
                             authenticated=authenticated)
        return response.json() if response.content else None

    def send(self, method: str, path: str, *, content: bytes | None = None, headers: dict[str, str] | None = None,
             params: dict[str, Any] | None = None, authenticated: bool = True) -> httpx.Response:
        """One request with retries; returns a 2xx response or raises a :class:`SyncError`."""
        all_headers = {**version_headers(), **(self.auth if authenticated else {}), **(headers or {})}
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = self.client.request(method, self.url(path), content=content, headers=all_headers,
                                               params=params)
            except httpx.TransportError as exc:
                problem: SyncError = NetworkError(_network_message(exc))
                wait = None
            else:
                self._measure(len(content or b""), len(response.content), time.monotonic() - started)
                if response.is_success:
                    return response
                problem = _problem(response)
                if response.status_code in _STOP:
                    raise problem
                if response.status_code == 429 or response.status_code >= 500:
                    wait = _retry_after(response)
                else:
                    raise problem
            attempt += 1
            if attempt >= self.retry.attempts:
                if isinstance(problem, NetworkError):
                    raise problem
                raise NetworkError(problem.message, code=problem.code, status=problem.status)
            delay = wait if wait is not None else self.retry.delay(attempt - 1, self.rng)
            if self.on_retry:
                self.on_retry(f"{problem.message}；{delay:.0f} 秒后第 {attempt + 1} 次尝试")
            self.sleep(delay)


def _network_message(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        return "无法连接市级服务器（网络不通或服务器未开启）"
    if isinstance(exc, httpx.TimeoutException):
        return "网络太慢，等待服务器应答超时"
    return "网络连接中断"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(max(float(value), 0.0), 300.0)
    except ValueError:
        return None


def _problem(response: httpx.Response) -> SyncError:
    """The Chinese error for a non-2xx answer (problem+json when the server sent one)."""
    status = response.status_code
    code: str | None = None
    detail: str | None = None
    if response.headers.get("content-type", "").startswith((PROBLEM_CONTENT_TYPE, "application/json")):
        try:
            body = response.json()
            code, detail = body.get("code"), body.get("detail")
        except ValueError:
            pass
    if status == 426:
        return UpgradeRequired(detail or message(ErrorCode.CLIENT_TOO_OLD), code=code, status=status)
    if status in (401, 403):
        text = detail or message(code or ErrorCode.UNAUTHORIZED)
        return AuthError(f"服务器拒绝了本机：{text}", code=code, status=status)
    if status >= 500:
        return SyncError(f"服务器出错（{status}）：{detail or message(ErrorCode.INTERNAL)}", code=code, status=status)
    if status == 429:
        return SyncError(detail or message(ErrorCode.RATE_LIMITED), code=code, status=status)
    return RequestRefused(detail or f"服务器拒绝了请求（{status}）", code=code, status=status)
