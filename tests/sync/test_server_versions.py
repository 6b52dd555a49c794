"""Versions on the wire (issue 16, item 3): every request of the desktop client names its program
and protocol version; the server keeps them and the last contact per device (``list-devices``),
and answers a client below its minimum protocol with 426 ``client_too_old`` and a Chinese
升级提示, which the client shows as is, without retrying or giving anything up."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from jydesk.version import app_version
from sync.client import state
from sync.protocol.models import PROTOCOL_HEADER, PROTOCOL_VERSION, VERSION_HEADER
from sync.server.app import create_app
from sync.server.cli import main as server_main
from sync.server.contact import CONTACT_INTERVAL
from sync.server.db import Database, current_revision, head_revision, migrate
from sync.server.devices import list_devices
from sync.server.models import Device
from tests.sync.client_helpers import new_device
from tests.sync.conftest import LiveServer, ServerEnv
from tests.sync.test_server_migrations import migrate_down

TOO_OLD = "本机 jydesk 版本过旧（协议 1），市级平台要求协议 2 及以上，请安装新版本"


def _row(server: ServerEnv, device_id: str) -> dict:
    return next(d for d in list_devices(server.db) if d["id"] == device_id)


def _set_last_seen(server: ServerEnv, device_id: str, when: datetime) -> None:
    with server.db.write() as conn:
        conn.execute(update(Device).where(Device.__table__.c.id == device_id).values(last_seen_at=when))


def test_the_client_names_its_versions_and_the_server_keeps_them(server: ServerEnv, tmp_path: Path) -> None:
    desk = new_device(server, tmp_path / "desk", server.new_village())
    try:
        device_id = state.credentials(desk.store).device_id
        enrolled = _row(server, device_id)  # enrolment is the first contact
        assert (enrolled["app_version"], enrolled["protocol_version"]) == (app_version(), PROTOCOL_VERSION)
        assert enrolled["last_seen_at"] is not None
        long_ago = datetime.now(UTC) - CONTACT_INTERVAL * 3
        _set_last_seen(server, device_id, long_ago)
        desk.add_household()
        assert desk.sync().pushed["applied"] == 1
        assert _row(server, device_id)["last_seen_at"] > long_ago
    finally:
        desk.close()


def test_the_contact_is_written_only_when_versions_change_or_it_is_stale(server: ServerEnv, device) -> None:
    def ask(version: str | None, protocol: str | None = "1") -> None:
        headers = {**device.headers, **({VERSION_HEADER: version} if version else {}),
                   **({PROTOCOL_HEADER: protocol} if protocol else {})}
        assert device.http.get("/api/v1/device", headers=headers).status_code == 200

    ask("0.0.9")
    assert (_row(server, device.device_id)["app_version"], _row(server, device.device_id)["protocol_version"]) == \
        ("0.0.9", 1)
    recent = datetime.now(UTC) - CONTACT_INTERVAL / 2
    _set_last_seen(server, device.device_id, recent)
    ask("0.0.9")  # same versions, recent contact: no write
    assert _row(server, device.device_id)["last_seen_at"] == recent
    ask("0.1.0")  # another version: written at once
    row = _row(server, device.device_id)
    assert row["app_version"] == "0.1.0" and row["last_seen_at"] > recent
    stale = datetime.now(UTC) - CONTACT_INTERVAL * 2
    _set_last_seen(server, device.device_id, stale)
    ask("0.1.0")
    assert _row(server, device.device_id)["last_seen_at"] > stale
    ask(None, None)  # a program from before the headers: version unknown
    assert _row(server, device.device_id)["app_version"] is None


@pytest.fixture
def strict(server: ServerEnv) -> Iterator[str]:
    """The same database served by a server that requires protocol 2."""
    with LiveServer(create_app(replace(server.settings, min_protocol=2), server.db)) as live:
        yield live.url


def test_a_request_below_the_minimum_protocol_gets_the_upgrade_notice(server: ServerEnv, device, strict: str) -> None:
    import httpx

    with httpx.Client(base_url=strict, timeout=60) as http:
        for headers in ({}, {PROTOCOL_HEADER: "1"}):
            r = http.get("/api/v1/device", headers={**device.headers, **headers})
            assert r.status_code == 426 and r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "client_too_old" and r.json()["detail"] == TOO_OLD
        r = http.post("/api/v1/enroll", json={"code": "ABCD-EFGH-JKMN", "device_name": "旧电脑"})
        assert r.status_code == 426 and r.json()["detail"] == TOO_OLD
        r = http.get("/api/v1/device", headers={**device.headers, PROTOCOL_HEADER: "2"})
        assert r.status_code == 200  # a newer client is served
        spec = http.get("/api/v1/openapi.json").json()["paths"]
        assert "426" in spec["/api/v1/batches"]["post"]["responses"]
        assert "426" in spec["/api/v1/enroll"]["post"]["responses"]


def test_the_client_shows_the_notice_as_is_and_stops(server: ServerEnv, strict: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from jydesk.cli import main as jydesk_main
    from sync.client import AuthError, UpgradeRequired
    from sync.client.resolve import rejected_changes

    desk = new_device(server, tmp_path / "desk", server.new_village())
    try:
        desk.add_household()
        waits: list[float] = []
        with pytest.raises(UpgradeRequired) as refused:
            desk.sync(server_url=strict, sleep=waits.append)
        assert refused.value.message == TOO_OLD and isinstance(refused.value, AuthError)
        assert waits == []  # not retried
        assert desk.outbox_count() == 1 and rejected_changes(desk.store) == []  # nothing given up
        desk.store.close()
        args = ["--data-dir", str(desk.folder), "sync", "--server", strict]
        assert jydesk_main(args) == 3
        out = capsys.readouterr()
        assert out.err == f"错误：{TOO_OLD}\n" and out.out == ""
        assert jydesk_main([*args, "--json"]) == 3
        assert json.loads(capsys.readouterr().out) == {"ok": False, "error": TOO_OLD, "status": 3}
        from tests.keys import keyed

        desk.store = keyed(desk.folder)
        assert desk.outbox_count() == 1
        assert state.credentials(desk.store).server_url == server.url  # the refusing address is not remembered
        assert desk.sync().pushed["applied"] == 1  # the usual server still takes it
    finally:
        desk.close()


def test_list_devices_shows_versions_and_last_contact(server: ServerEnv, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    village = server.new_village()
    current = new_device(server, tmp_path / "a", village)
    old = server.enroll(village)
    try:
        old.http.get("/api/v1/device", headers={**old.headers, VERSION_HEADER: "0.0.9", PROTOCOL_HEADER: "1"})
        never = server.enroll(village)
        with server.db.write() as conn:  # as a device enrolled before versions were kept
            conn.execute(update(Device).where(Device.__table__.c.id == never.device_id)
                         .values(last_seen_at=None, app_version=None, protocol_version=None))
        never.http.close()
        url = ["--database-url", server.settings.database_url, "--village", village]
        assert server_main(["list-devices", *url]) == 0
        lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
        mine = state.credentials(current.store).device_id
        assert f"版本 {app_version()}（协议 {PROTOCOL_VERSION}）" in lines[mine]
        assert re.search(r"最近联系 \d{4}-\d{2}-\d{2} \d{2}:\d{2}$", lines[mine]), lines[mine]
        assert "版本 0.0.9（协议 1）" in lines[old.device_id]
        assert "版本未知" in lines[never.device_id] and "最近联系 从未联系" in lines[never.device_id]

        assert server_main(["list-devices", *url, "--older-than", app_version()]) == 0
        listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
        assert listed == {old.device_id, never.device_id}
        assert server_main(["list-devices", *url, "--older-than", "0.0.1", "--json"]) == 0
        assert [d["id"] for d in json.loads(capsys.readouterr().out)] == [never.device_id]
        empty = server.new_village()
        assert server_main(["list-devices", *url[:2], "--village", empty, "--older-than", "0.2.0"]) == 0
        assert capsys.readouterr().out.strip() == f"村(社区) {empty} 没有版本早于 0.2.0 的设备"
    finally:
        current.close()
        old.http.close()


def test_migration_0006_adds_the_version_columns_and_goes_back(empty_database) -> None:
    _, url = empty_database
    db = Database(url)
    try:
        migrate(db.engine, "0005")
        device_id = str(uuid.uuid4())
        with db.write() as conn:
            conn.execute(text("INSERT INTO devices (id, village_code, name, secret_hash, bundle_key, enrolled_at, "
                              "village_no) VALUES (:id, '510185001001', '旧版', :h, :h, :at, 1)"),
                         {"id": device_id, "h": "0" * 64, "at": datetime.now(UTC) - timedelta(days=1)})
        migrate(db.engine)
        assert current_revision(db.engine) == head_revision()
        t = Device.__table__.c
        with db.read() as conn:
            row = conn.execute(select(t.app_version, t.protocol_version).where(t.id == device_id)).one()
        assert tuple(row) == (None, None)
        migrate_down(db, "0005")
        assert current_revision(db.engine) == "0005"
        with db.read() as conn:
            names = conn.execute(text("SELECT * FROM devices")).keys()
            assert "app_version" not in names and "protocol_version" not in names
            assert conn.execute(text("SELECT count(*) FROM devices WHERE id = :id"), {"id": device_id}).scalar() == 1
    finally:
        db.dispose()
