"""Limits: request size, decompressed size, batch length and per-device rate, each a clear 4xx."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import orjson
import pytest

from sync.server.app import create_app
from sync.server.config import Limits, Settings
from sync.server.db import Database
from tests.sync.conftest import DeviceClient, LiveServer, ServerEnv

# anonymous requests refill one every 10 s: the 6 wrong codes below meet 429 however slowly
# the machine answers (at one a second, a loaded CI run once refilled the burst in time)
SMALL = Limits(max_body_bytes=4_000, max_decoded_bytes=8_000, max_batch_changes=3,
               device_requests_per_minute=60, device_burst=5, anonymous_requests_per_minute=6, anonymous_burst=4)


@pytest.fixture
def small_server(empty_database, tmp_path: Path) -> Iterator[ServerEnv]:
    backend, url = empty_database
    settings = Settings(database_url=url, data_dir=tmp_path, limits=SMALL)
    db = Database(url)
    db.migrate()
    with LiveServer(create_app(settings, db)) as live:
        yield ServerEnv(backend, settings, db, live.url)
    db.dispose()


def test_size_length_and_rate_limits(small_server: ServerEnv) -> None:
    device: DeviceClient = small_server.enroll()
    with closing(device.http):
        changes = [device.household()[1] for _ in range(4)]
        r = device.push_raw(device.batch(changes))
        assert r.status_code == 413 and r.json()["code"] == "batch_too_long"
        assert "最多 3 条" in r.json()["detail"]

        big = device.batch([device.household(note="很长的备注" * 400)[1]])
        r = device.push_raw(big)
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"

        bomb = gzip.compress(orjson.dumps(device.batch([device.household(note="x" * 20_000)[1]])))
        assert len(bomb) < SMALL.max_body_bytes
        r = device.http.post("/api/v1/batches", content=bomb, headers={
            **device.headers, "Content-Type": "application/json", "Content-Encoding": "gzip"})
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
        assert small_server.count(village_code=device.village) == 0

        statuses = [device.http.get("/api/v1/device", headers=device.headers).status_code for _ in range(8)]
        assert 429 in statuses
        limited = device.http.get("/api/v1/device", headers=device.headers)
        assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1

    with small_server.client() as http:
        codes = [http.post("/api/v1/enroll", json={"code": "WRONG-CODE-0000"}).status_code for _ in range(6)]
        assert codes[0] == 400 and codes[-1] == 429


def test_database_outage_is_a_503_with_retry_after(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere", data_dir=tmp_path)
    with LiveServer(create_app(settings)) as live, closing(httpx.Client(base_url=live.url, timeout=30)) as http:
        r = http.get("/api/v1/changes", headers={"Authorization": "Bearer 0190c5a8-0000-7000-8000-000000000000.x"})
        assert r.status_code == 503
        assert r.json()["code"] == "unavailable" and r.headers["Retry-After"] == "30"
        assert r.headers["content-type"].startswith("application/problem+json")
        health = http.get("/api/v1/health")
        assert health.status_code == 503 and health.json()["code"] == "unavailable"


def test_oversized_body_gets_its_413_not_a_reset(small_server: ServerEnv) -> None:
    """The refused body is read and dropped before the answer, so the client, still sending, reads it."""
    device: DeviceClient = small_server.enroll()
    with closing(device.http):
        for size in (6_000, 300_000, 2_000_000):
            body = b'{"pad": "' + b"x" * size + b'"}'
            r = device.http.post("/api/v1/batches", content=body,
                                 headers={**device.headers, "Content-Type": "application/json"})
            assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
