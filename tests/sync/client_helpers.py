"""Helpers for the sync client tests: installations (real SQLite files) enrolled on the live server."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from jydesk.domain.idnumber import check_digit
from jydesk.store.database import Store
from jydesk.store.models import Household, OutboxEntry, Person
from jydesk.store.unit_of_work import Actor
from sync.client import RetryPolicy, SyncClient, enroll
from sync.server.devices import issue_code
from tests.keys import keyed

CLERK = Actor("clerk-1", "王专干")
NO_WAIT = RetryPolicy(attempts=4, base=0.0, cap=0.0)
_numbers = itertools.count(500)


def id_number() -> str:
    n = next(_numbers)
    born = date(1950, 3, 1) + timedelta(days=(n * 53) % 18000)
    first17 = f"510185{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_digit(first17)


@dataclass
class Device:
    """One installation: its store and how to sync it."""

    store: Store
    folder: Path
    server_url: str
    village: str

    def client(self, **kwargs: Any) -> SyncClient:
        kwargs.setdefault("retry", NO_WAIT)
        kwargs.setdefault("sleep", lambda _s: None)
        return SyncClient(self.store, **kwargs)

    def sync(self, **kwargs: Any) -> Any:
        with self.client(**kwargs) as c:
            return c.sync()

    def add_household(self, address: str = "简城街道幸福路1号", **fields: Any) -> str:
        with self.store.write(CLERK) as w:
            h = w.add(Household(address=address, residence="农村", **fields))
        return h.id

    def add_person(self, household_id: str | None = None, name: str = "张三", **fields: Any) -> str:
        fields.setdefault("id_number", id_number())
        with self.store.write(CLERK) as w:
            p = w.add(Person(household_id=household_id, name=name, **fields))
        return p.id

    def edit(self, model: type, rid: str, **fields: Any) -> None:
        with self.store.write(CLERK) as w:
            obj = w.session.get(model, rid)
            for k, v in fields.items():
                setattr(obj, k, v)

    def get(self, model: type, rid: str) -> Any:
        with self.store.read() as s:
            return s.get(model, rid)

    def outbox_count(self) -> int:
        with self.store.read() as s:
            return int(s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one())

    def close(self) -> None:
        self.store.close()


def new_device(server: Any, folder: Path, village: str, *, village_name: str = "幸福村") -> Device:
    """A fresh installation enrolled for ``village`` on the live ``server`` (conftest's ServerEnv)."""
    store = keyed(folder)
    code = issue_code(server.db, village).code
    enroll(store, server.url, code, device_name="测试电脑", village_name=village_name, retry=NO_WAIT)
    return Device(store, folder, server.url, village)
