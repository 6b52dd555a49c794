"""A sync run is in the 操作日志 (同步), pulled records are audited under 市级平台, and the chain
stays whole across push, pull and acknowledgement on both devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from jydesk.store.audit import chain
from jydesk.store.audit.log import AuditListing, LogFilter
from jydesk.store.models import Person
from tests.sync.client_helpers import new_device


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_sync_runs_and_pulled_records_are_logged_and_chained(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    hid = a.add_household(phone="13800001111")
    pid = a.add_person(hid, name="李四", relation="本人")
    a.edit(Person, pid, phone="13912345678")
    a.sync()
    b.sync()
    for device in (a, b):
        runs = list(AuditListing(device.store, LogFilter(kind="同步")).rows())
        assert runs and runs[0].detail.startswith("同步完成") and runs[0].who == "市级平台"
        with device.store.sql() as db:
            assert chain.verify(db).ok
    pulled = [r for r in AuditListing(b.store, LogFilter(record_id=pid)).rows()]
    assert pulled and all(r.actor_id == "server" and r.detail.startswith("来自市级平台") for r in pulled)
    a.close(), b.close()
