"""Per-client token buckets: a steady rate plus a burst.

:class:`RateLimiter` keeps its buckets in the process (the embedded SQLite server: one host).
:class:`SharedRateLimiter` keeps them in PostgreSQL (``rate_buckets``, migration 0009), so every
process and every host on that database spends from one bucket per client: a device or an
address alternating between hosts behind a load balancer meets the same limit as on one host.
Time is the database's (``statement_timestamp()``), so hosts' clocks need not agree. The cost is
one small UPSERT per limited request.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Protocol

from sqlalchemy import text

from sync.server.db import Database


class Limiter(Protocol):
    def take(self, client: str) -> float:
        """Spend one token for ``client``; 0 if allowed, else seconds until a token is free."""
        ...


def retry_after(wait: float) -> str:
    """``Retry-After`` for a wait of ``wait`` seconds (whole seconds, at least 1)."""
    return str(max(1, math.ceil(wait)))


class RateLimiter:
    """Buckets in this process's memory (the least recently seen dropped beyond ``max_clients``)."""

    def __init__(self, per_minute: int, burst: int, *, max_clients: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one token for ``client``; 0 if allowed, else seconds until a token is free."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1.0 - tokens) / self.rate if self.rate > 0 else 60.0
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


# One statement, atomic under concurrency (the row is locked by ON CONFLICT DO UPDATE): the
# bucket refilled for the time since its last use, one token spent if there is one.
_TAKE = text("""
INSERT INTO rate_buckets AS b (scope, client, tokens, granted, at)
VALUES (:scope, :client, :burst - 1, true, statement_timestamp())
ON CONFLICT (scope, client) DO UPDATE SET
    tokens = LEAST(:burst, b.tokens + EXTRACT(EPOCH FROM statement_timestamp() - b.at) * :rate)
             - CASE WHEN LEAST(:burst, b.tokens + EXTRACT(EPOCH FROM statement_timestamp() - b.at) * :rate) >= 1
                    THEN 1 ELSE 0 END,
    granted = LEAST(:burst, b.tokens + EXTRACT(EPOCH FROM statement_timestamp() - b.at) * :rate) >= 1,
    at = statement_timestamp()
RETURNING granted, tokens
""")
# A bucket untouched for longer than a full refill takes is the same as no bucket.
_FORGET = text("DELETE FROM rate_buckets WHERE scope = :scope AND at < statement_timestamp() - make_interval(secs => :age)")


class SharedRateLimiter:
    """Buckets in PostgreSQL, shared by every server process and host on the database."""

    #: Forget full buckets every this many takes (per process).
    SWEEP_EVERY = 5_000

    def __init__(self, db: Database, scope: str, per_minute: int, burst: int) -> None:
        self.db = db
        self.scope = scope
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self._takes = 0

    def take(self, client: str) -> float:
        """Spend one token for ``client``; 0 if allowed, else seconds until a token is free."""
        params = {"scope": self.scope, "client": client[:200], "burst": self.burst, "rate": self.rate}
        with self.db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            granted, tokens = conn.execute(_TAKE, params).one()
            self._takes += 1
            if self._takes % self.SWEEP_EVERY == 0:
                age = self.burst / self.rate if self.rate > 0 else 3600.0
                conn.execute(_FORGET, {"scope": self.scope, "age": max(age, 60.0)})
        if granted:
            return 0.0
        return (1.0 - float(tokens)) / self.rate if self.rate > 0 else 60.0


def limiter(db: Database, scope: str, per_minute: int, burst: int) -> Limiter:
    """Shared buckets on PostgreSQL; in-process ones on SQLite (the one-host embedded server)."""
    if db.is_sqlite:
        return RateLimiter(per_minute, burst)
    return SharedRateLimiter(db, scope, per_minute, burst)
