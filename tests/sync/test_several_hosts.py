"""Several server hosts on one PostgreSQL behave as one server (issue 22, item 2).

Two ``jydesk-server serve`` processes on different ports stand in for hosts behind a load
balancer; devices alternate between them, send their batches concurrently and resend one to the
other host. Nothing may be lost, doubled or reordered. Rate limits are one per client across
hosts (``rate_buckets`` in PostgreSQL), not one per host.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from pathlib import Path

import httpx
import pytest

from sync.server.app import create_app
from sync.server.config import Limits, Settings
from sync.server.db import Database
from sync.server.devices import issue_code
from tests.sync.conftest import DeviceClient, LiveServer, Unique, change, fresh_database
from tests.sync.test_server_cli import _serving


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgres", tmp_path) as url:
        Database(url, pool_size=1).migrate()
        yield url


def _enroll(db: Database, base: str, village: str, unique: Unique) -> DeviceClient:
    http = httpx.Client(base_url=base, timeout=60)
    r = http.post("/api/v1/enroll", json={"code": issue_code(db, village).code, "device_name": "测试电脑"})
    assert r.status_code == 200, r.text
    return DeviceClient(http, r.json()["device_id"], r.json()["secret"], village, unique)


def test_two_hosts_lose_double_and_reorder_nothing(pg_url: str, tmp_path: Path) -> None:
    db = Database(pg_url, pool_size=2)
    unique = Unique()
    village, other_village = unique.village(), unique.village()
    with ExitStack() as stack:
        hosts = [stack.enter_context(_serving(tmp_path / "shared-data", database_url=pg_url)) for _ in range(2)]
        writers = [_enroll(db, hosts[i % 2], village, unique) for i in range(3)]
        writers.append(_enroll(db, hosts[1], other_village, unique))
        for w in writers:
            stack.enter_context(closing(w.http))

        def work(n: int) -> list[str]:
            """Device n: 6 batches of 20 new people, alternating hosts; batch 3 sent twice (to both)."""
            me = writers[n]
            made: list[str] = []
            for b in range(6):
                me.http.base_url = httpx.URL(hosts[(n + b) % 2])
                changes = [me.person() for _ in range(20)]
                body = me.batch([c for _, c in changes])
                sends = 2 if b == 3 else 1
                for attempt in range(sends):
                    if attempt:
                        me.http.base_url = httpx.URL(hosts[(n + b + 1) % 2])
                    r = me.push_raw(body)
                    assert r.status_code == 200, r.text
                    assert all(res["status"] == "applied" for res in r.json()["results"]), r.text
                made += [rid for rid, _ in changes]
            return made

        with ThreadPoolExecutor(4) as pool:
            made = list(pool.map(work, range(4)))

        # One household edited in turn through alternating hosts: the last write wins, in order.
        editor = writers[0]
        hid, first = editor.household(note="第0次")
        editor.push([first])
        for k in range(1, 7):
            editor.http.base_url = httpx.URL(hosts[k % 2])
            editor.push([change("household", hid, {"note": f"第{k}次"}, base=editor.revisions[("household", hid)])])

        # A newly enrolled computer pulls the village page by page, alternating hosts.
        reader = _enroll(db, hosts[0], village, unique)
        stack.enter_context(closing(reader.http))
        seen: list[dict] = []
        page_no = 0
        while True:
            reader.http.base_url = httpx.URL(hosts[page_no % 2])
            page = reader.pull_page(limit=37)
            seen += page["changes"]
            reader.cursor = page["cursor"]
            page_no += 1
            if not page["more"]:
                break
    db.dispose()

    ids = [c["id"] for c in seen]
    assert len(ids) == len(set(ids)), "a record came twice"
    people = {c["id"] for c in seen if c["entity"] == "person"}
    assert people == {rid for rows in made[:3] for rid in rows}, "lost records, or another village's"
    assert len(people) == 3 * 6 * 20
    household = next(c for c in seen if c["id"] == hid)
    assert household["fields"]["note"] == "第6次" and household["revision"] == 7
    assert page_no > 2


SMALL = Limits(device_requests_per_minute=6, device_burst=5, anonymous_requests_per_minute=6, anonymous_burst=4)


def test_rate_limits_are_one_per_client_across_hosts(pg_url: str, tmp_path: Path) -> None:
    """Two hosts (each its own app and connection pool): a device alternating between them
    spends from one bucket. With a bucket per host it would get twice the burst."""
    dbs = [Database(pg_url, pool_size=2) for _ in range(2)]
    settings = Settings(database_url=pg_url, data_dir=tmp_path, limits=SMALL)
    with LiveServer(create_app(settings, dbs[0])) as a, LiveServer(create_app(settings, dbs[1])) as b:
        hosts = [a.url, b.url]
        device = _enroll(dbs[0], hosts[0], Unique().village(), Unique())
        with closing(device.http):
            statuses = []
            for i in range(8):  # 4 per host: within each host's burst of 5, over the shared one
                device.http.base_url = httpx.URL(hosts[i % 2])
                statuses.append(device.http.get("/api/v1/device", headers=device.headers).status_code)
            assert statuses[:5] == [200] * 5 and 429 in statuses[5:]
            limited = device.http.get("/api/v1/device", headers=device.headers)
            assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1

        codes = []
        for i in range(6):  # wrong enrolment codes from one address, alternating hosts
            with httpx.Client(base_url=hosts[i % 2], timeout=30) as http:
                codes.append(http.post("/api/v1/enroll", json={"code": "WRONG-CODE-0000"}).status_code)
        # the enrolment above spent one anonymous token: 3 more wrong codes pass, then 429
        assert codes[:3] == [400] * 3 and codes[3:] == [429] * 3
    for db in dbs:
        db.dispose()
