"""``jydesk-server``: serve with no configuration, migrate, enroll-device, import-bundle."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from jydesk.domain.ids import new_id
from sync.bundle import bundle_key, read_header, save_bundle, write_bundle
from sync.protocol.models import Batch
from sync.protocol.wire import device_authorization
from sync.server.cli import main
from sync.server.db import Database, current_revision, head_revision
from sync.server.devices import issue_code, revoke
from tests.sync.conftest import ServerEnv, change

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serving(data_dir: Path, *args: str, database_url: str | None = None) -> Iterator[str]:
    """``jydesk-server serve`` in a subprocess with ``data_dir`` and ``database_url`` (none: the
    embedded default); its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("JYDESK_SERVER_DATABASE_URL", "JYDESK_SERVER_WORKERS")}
    env["JYDESK_SERVER_DATA_DIR"] = str(data_dir)
    if database_url:
        env["JYDESK_SERVER_DATABASE_URL"] = database_url
    proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", "--port", str(port),
                             "--log-level", "warning", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


def test_serve_with_no_database_url_just_works(tmp_path: Path) -> None:
    """The embedded default: a SQLite file in the data folder, created and migrated on start."""
    with _serving(tmp_path / "data") as base:
        r = httpx.get(f"{base}/api/v1/health")
        assert r.json() == {"status": "ok", "database": "ok", "protocol_version": 1}
        assert (tmp_path / "data" / "server.sqlite3").exists()
        spec = httpx.get(f"{base}/api/v1/openapi.json").json()
        assert "/api/v1/batches" in spec["paths"]


def test_serve_with_workers_closes_connections_after_each_batch(tmp_path: Path) -> None:
    """``--workers 2``: push and pull answers close their connection (the device's next batch
    goes to whichever worker is free); other answers keep it; nothing is lost either way."""
    with _serving(tmp_path, "--workers", "2") as base:
        db = Database(f"sqlite:///{tmp_path / 'server.sqlite3'}")
        try:
            code = issue_code(db, "510185001001").code
        finally:
            db.dispose()
        with httpx.Client(base_url=base, timeout=30) as http:
            enrolled = http.post("/api/v1/enroll", json={"code": code, "device_name": "测试电脑"}).json()
            headers = device_authorization(enrolled["device_id"], enrolled["secret"])
            assert "close" not in http.get("/api/v1/device", headers=headers).headers.get("connection", "")
            ids = [new_id() for _ in range(3)]
            for rid in ids:  # one connection per batch, the client reconnecting each time
                batch = {"batch_id": str(uuid.uuid4()), "device_id": enrolled["device_id"], "changes": [
                    change("household", rid, {"village_code": "510185001001", "address": "简城街道1号"})]}
                r = http.post("/api/v1/batches", json=batch, headers=headers)
                assert r.status_code == 200, r.text
                assert r.headers["connection"] == "close"
                assert r.json()["results"][0]["status"] == "applied"
            r = http.get("/api/v1/changes", params={"cursor": ""}, headers=headers)
            assert r.headers["connection"] == "close"
            assert sorted(c["id"] for c in r.json()["changes"]) == sorted(ids)


def test_migrate_and_enroll_device(empty_database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, url = empty_database
    assert main(["migrate", "--database-url", url, "--data-dir", str(tmp_path)]) == 0
    db = Database(url)
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.dispose()
    capsys.readouterr()
    assert main(["enroll-device", "--village", "510185001001", "--database-url", url]) == 0
    code = capsys.readouterr().out.strip()
    assert len(code) == 14 and code.count("-") == 2
    assert main(["enroll-device", "--village", "510185999001", "--database-url", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "不是简阳市的乡镇(街道)代码" in err
    assert main(["revoke-device", str(uuid.uuid4()), "--database-url", url]) == 1


def _bundle(server: ServerEnv, device, changes: list[dict], batch_id: str | None = None) -> tuple[bytes, Batch]:
    batch = Batch.model_validate(device.batch(changes, batch_id))
    data = write_bundle([batch], device_id=device.device_id, village_code=device.village,
                        key=bundle_key(device.secret))
    return data, batch


def test_import_bundle_applies_once_with_batch_semantics(server: ServerEnv, device, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    hid, hh = device.household()
    pid, person = device.person(hid)
    bad = change("person", new_id(), {"village_code": device.village, "name": "", "id_number": "123"})
    data, batch = _bundle(server, device, [hh, person, bad])
    assert person["fields"]["id_number"].encode() not in data  # the file on the USB stick is encrypted
    assert read_header(data)[0].format == 2
    path = tmp_path / "export.jybundle"
    save_bundle(path, data)
    args = ["import-bundle", str(path), "--database-url", server.settings.database_url]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "applied 2" in out and "rejected 1" in out
    assert main([*args, "--json"]) == 0
    assert '"replayed": 1' in capsys.readouterr().out
    assert server.count(village_code=device.village) == 2
    # the same batch later pushed online gets the stored answer, nothing twice
    r = device.push_raw(batch.model_dump(mode="json"))
    assert r.json()["replayed"] is True and [x["status"] for x in r.json()["results"]] == [
        "applied", "applied", "rejected"]
    assert server.record("person", pid).revision == 1


def test_list_held_shows_changes_waiting_for_their_parent(server: ServerEnv, device,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    missing_person = new_id()
    visit = change("visit", new_id(), {"village_code": device.village, "person_id": missing_person,
                                       "visited_on": "2025-01-06", "method": "电话"})
    assert device.push([visit])[0]["status"] == "held"
    url = ["--database-url", server.settings.database_url]
    assert main(["list-held", "--village", device.village, "--json", *url]) == 0
    held = json.loads(capsys.readouterr().out)
    assert [(h["entity"], h["count"]) for h in held] == [("visit", 1)]
    assert main(["list-held", "--village", server.new_village(), *url]) == 0
    assert "没有等待" in capsys.readouterr().out


def test_damaged_or_tampered_bundles_are_refused(server: ServerEnv, device, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, hh = device.household(address="原地址")
    data, _ = _bundle(server, device, [hh])
    url = ["--database-url", server.settings.database_url]

    damaged = tmp_path / "damaged.jybundle"
    damaged.write_bytes(data[:-5] + b"xxxxx")
    assert main(["import-bundle", str(damaged), *url]) == 1
    assert "损坏" in capsys.readouterr().err

    # rewrite the content and fix up the checksum: only the signature can tell
    forged_batch = Batch.model_validate(device.batch([device.household(address="篡改地址")[1]]))
    forged = write_bundle([forged_batch], device_id=device.device_id, village_code=device.village,
                          key=b"not the device key")
    header, _, _, _ = read_header(forged)
    assert header.device_id == device.device_id
    path = tmp_path / "forged.jybundle"
    path.write_bytes(forged)
    assert main(["import-bundle", str(path), *url]) == 1
    assert "签名不符" in capsys.readouterr().err
    assert main(["import-bundle", str(tmp_path / "missing.jybundle"), *url]) == 1
    assert server.count(village_code=device.village) == 0

    good = tmp_path / "good.jybundle"
    good.write_bytes(data)
    revoke(server.db, device.device_id)
    assert main(["import-bundle", str(good), *url]) == 1
    assert "停用" in capsys.readouterr().err
    assert server.count(village_code=device.village) == 0


def test_migrate_says_what_it_did_and_list_devices_is_readable(empty_database, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    _, url = empty_database
    assert main(["migrate", "--database-url", url]) == 0
    assert "已创建数据库结构" in capsys.readouterr().out
    assert main(["migrate", "--database-url", url]) == 0
    assert "已是最新结构" in capsys.readouterr().out
    assert main(["list-devices", "--database-url", url, "--village", "510185001001"]) == 0
    assert "没有登记的设备" in capsys.readouterr().out
    for hours in ("0", "-5"):
        assert main(["enroll-device", "--village", "510185001001", "--hours", hours, "--database-url", url]) == 1
        assert "--hours" in capsys.readouterr().err
    db = Database(url)
    try:
        from sync.server.devices import enroll

        enroll(db, issue_code(db, "510185001001").code, "村委会电脑")
    finally:
        db.dispose()
    assert main(["list-devices", "--database-url", url]) == 0
    line = capsys.readouterr().out.strip()
    assert "正常" in line and "村委会电脑" in line and "最近联系 从未联系" in line and "版本未知" in line
    assert re.search(r"登记于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}  ", line), line  # local time, no microseconds


def test_re_enrolling_asks_first_and_revokes_the_old_device(server: ServerEnv, tmp_path: Path) -> None:
    from jydesk.cli import main as jydesk_main
    from sync.client import EnrollmentError, enroll
    from sync.client import state as client_state
    from sync.server.devices import list_devices
    from tests.sync.client_helpers import NO_WAIT, new_device

    village = server.new_village()
    desk = new_device(server, tmp_path / "desk", village)
    try:
        old = client_state.credentials(desk.store)
        assert old is not None
        with pytest.raises(EnrollmentError) as refused:
            enroll(desk.store, server.url, issue_code(server.db, village).code, retry=NO_WAIT)
        assert refused.value.code == "already_enrolled"
        assert client_state.credentials(desk.store) == old  # nothing changed
        desk.store.close()
        # The CLI without a terminal refuses unless --re-enroll is given.
        code = issue_code(server.db, village).code
        args = ["--data-dir", str(desk.folder), "enroll", "--server", server.url, "--code", code]
        assert jydesk_main(args) == 1
        assert jydesk_main([*args, "--re-enroll"]) == 0
        from tests.keys import keyed

        desk.store = keyed(desk.folder)
        new = client_state.credentials(desk.store)
        assert new is not None and new.device_id != old.device_id
        states = {d["id"]: d["revoked_at"] for d in list_devices(server.db, village)}
        assert states[old.device_id] is not None and states[new.device_id] is None
        assert desk.sync().problems == []  # the new id works
    finally:
        desk.close()
