"""Fixtures for the city server: a migrated database on a temporary SQLite file AND on a
throwaway PostgreSQL database (parametrised), and a real uvicorn server on loopback.

PostgreSQL comes from $JYDESK_TEST_PG_URL (default: postgres@127.0.0.1:5432). If it is
unreachable the PostgreSQL half is skipped locally, but fails when $JYDESK_REQUIRE_PG=1
(CI). Tests share one database per backend and stay apart by using their own villages.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from jydesk.domain.idnumber import check_digit
from jydesk.domain.ids import new_id
from jydesk.domain.regions import towns
from sync.protocol.wire import device_authorization
from sync.server.app import create_app
from sync.server.config import Limits, Settings
from sync.server.db import Database
from sync.server.devices import issue_code
from sync.server.models import Record

PG_URL = os.environ.get("JYDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("JYDESK_REQUIRE_PG") == "1"
BACKENDS = ["sqlite", "postgres"]
GENEROUS = Limits(device_requests_per_minute=1_000_000, device_burst=100_000,
                  anonymous_requests_per_minute=1_000_000, anonymous_burst=100_000)


def _pg_reachable() -> str | None:
    import psycopg

    url = make_url(PG_URL)
    try:
        with psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
                             password=url.password, dbname=url.database or "postgres", connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """A new empty database URL for ``backend``; a PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'server.sqlite3'}"
        return
    problem = _pg_reachable()
    if problem:
        message = f"PostgreSQL not reachable at {PG_URL}: {problem}"
        if REQUIRE_PG:
            pytest.fail(message)
        pytest.skip(message)
    admin = Database(PG_URL, pool_size=1)
    name = f"jydesk_test_{uuid.uuid4().hex[:12]}"
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 and a free port, in a background thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()


class Unique:
    """Fresh village codes and 身份证号 for one database (tests stay apart by village).

    Kept on the fixture, not in module globals: test modules that import this file get
    their own copy of the module, and two counters would hand out the same village.
    """

    def __init__(self) -> None:
        self._villages = itertools.count(1)
        self._id_numbers = itertools.count(1)

    def village(self) -> str:
        n = next(self._villages)
        town = towns()[n % len(towns())]
        return f"{town.code}{(n // len(towns())) % 999 + 1:03d}"

    def id_number(self) -> str:
        n = next(self._id_numbers)
        born = date(1940, 1, 1) + timedelta(days=(n * 37) % 20000)
        first17 = f"510185{born:%Y%m%d}{n % 1000:03d}"
        return first17 + check_digit(first17)


def ts() -> str:
    return datetime.now(UTC).isoformat()


def change(entity: str, rid: str, fields: dict[str, Any] | None = None, *, base: int = 0, op: str = "upsert") -> dict[str, Any]:
    return {"entity": entity, "id": rid, "op": op, "base_revision": base, "fields": fields or {}, "client_ts": ts()}


@dataclass
class DeviceClient:
    """An enrolled device talking HTTP to the live server."""

    http: httpx.Client
    device_id: str
    secret: str
    village: str
    unique: Unique
    cursor: str = ""
    revisions: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return device_authorization(self.device_id, self.secret)

    def batch(self, changes: list[dict[str, Any]], batch_id: str | None = None) -> dict[str, Any]:
        return {"batch_id": batch_id or str(uuid.uuid4()), "device_id": self.device_id, "changes": changes}

    def push_raw(self, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.http.post("/api/v1/batches", json=body, headers=self.headers, **kwargs)

    def push(self, changes: list[dict[str, Any]], batch_id: str | None = None) -> list[dict[str, Any]]:
        r = self.push_raw(self.batch(changes, batch_id))
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        for res in results:
            if res["revision"]:
                self.revisions[(res["entity"], res["id"])] = res["revision"]
        return results

    def pull_page(self, cursor: str | None = None, limit: int = 500) -> dict[str, Any]:
        r = self.http.get("/api/v1/changes", params={"cursor": self.cursor if cursor is None else cursor,
                                                     "limit": limit}, headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json()

    def pull_all(self) -> list[dict[str, Any]]:
        seen = []
        while True:
            page = self.pull_page()
            seen += page["changes"]
            self.cursor = page["cursor"]
            for c in page["changes"]:
                self.revisions[(c["entity"], c["id"])] = c["revision"]
            if not page["more"]:
                return seen

    def household(self, **fields: Any) -> tuple[str, dict[str, Any]]:
        rid = new_id()
        return rid, change("household", rid, {"village_code": self.village, "address": "简城街道1号", **fields})

    def person(self, household_id: str | None = None, **fields: Any) -> tuple[str, dict[str, Any]]:
        rid = new_id()
        values = {"village_code": self.village, "name": "张三", "id_number": self.unique.id_number(), **fields}
        if household_id:
            values["household_id"] = household_id
        return rid, change("person", rid, values)


@dataclass
class ServerEnv:
    backend: str
    settings: Settings
    db: Database
    url: str
    unique: Unique = field(default_factory=Unique)

    def new_village(self) -> str:
        return self.unique.village()

    def new_id_number(self) -> str:
        return self.unique.id_number()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)

    def enroll(self, village: str | None = None, http: httpx.Client | None = None) -> DeviceClient:
        village = village or self.new_village()
        code = issue_code(self.db, village).code
        http = http or self.client()
        r = http.post("/api/v1/enroll", json={"code": code, "device_name": "测试电脑"})
        assert r.status_code == 200, r.text
        body = r.json()
        return DeviceClient(http, body["device_id"], body["secret"], village, self.unique)

    def count(self, **where: Any) -> int:
        t = Record.__table__.c
        stmt = select(func.count()).select_from(Record)
        for k, v in where.items():
            stmt = stmt.where(t[k] == v)
        with self.db.read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def record(self, entity: str, rid: str) -> Any:
        t = Record.__table__.c
        with self.db.read() as conn:
            return conn.execute(select(Record.__table__).where(t.entity == entity, t.id == rid)).first()

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.db.read() as conn:
            return conn.execute(text(sql), params).scalar()


@pytest.fixture(scope="session", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerEnv]:
    """A migrated database and a live uvicorn server, one per backend for the session."""
    folder = tmp_path_factory.mktemp(f"server-{request.param}")
    with fresh_database(request.param, folder) as url:
        settings = Settings(database_url=url, data_dir=folder, limits=GENEROUS)
        db = Database(url)
        db.migrate()
        with LiveServer(create_app(settings, db)) as live:
            yield ServerEnv(request.param, settings, db, live.url)
        db.dispose()


@pytest.fixture
def device(server: ServerEnv) -> Iterator[DeviceClient]:
    d = server.enroll()
    yield d
    d.http.close()


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A fresh, unmigrated database URL per backend (for migration and CLI tests)."""
    with fresh_database(request.param, tmp_path) as url:
        yield request.param, url
