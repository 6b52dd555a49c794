"""Faults between client and server: lost acknowledgements, server errors, a slow link, and a
client killed between the server's answer and its local commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from jydesk.store.models import OutboxEntry, Person
from sync.client import NetworkError, state
from sync.client.outbox import BatchLimits
from tests.sync.client_helpers import new_device
from tests.sync.faults import FaultyTransport, ThrottlingProxy

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)
REPO = Path(__file__).resolve().parents[2]


def _stored_batches(server, device_id: str) -> int:
    return int(server.scalar("SELECT count(*) FROM batches WHERE device_id = :d", d=device_id))


def _people(device, n: int, prefix: str = "人员") -> list[str]:
    hid = device.add_household()
    return [device.add_person(hid, name=f"{prefix}{i}") for i in range(n)]


def test_lost_ack_after_commit_is_resent_without_duplicate(server, tmp_path: Path) -> None:
    a = new_device(server, tmp_path / "a", server.new_village())
    pids = _people(a, 3)
    fault = FaultyTransport(lambda req, n: "drop_after" if req.url.path.endswith("/batches") and n == 1 else None)
    with httpx.Client(transport=fault) as http:
        summary = a.sync(http=http)
    posts = [entry for entry in fault.log if entry[1].endswith("/batches")]
    assert [p[2] for p in posts] == ["drop_after", None]  # sent twice, same batch
    assert summary.pushed["applied"] == 4 and a.outbox_count() == 0
    device_id = state.credentials(a.store).device_id
    assert _stored_batches(server, device_id) == 1
    for pid in pids:
        assert server.record("person", pid).revision == 1
    assert server.count(village_code=a.village) == 4
    a.close()


def test_server_error_mid_sync_then_recovery(server, tmp_path: Path) -> None:
    a = new_device(server, tmp_path / "a", server.new_village())
    pids = _people(a, 5)
    small = BatchLimits(max_changes=2)
    # the second batch meets 500s until the client gives up: the first stays acknowledged;
    # the failing batch is split in two (new fixed ids) to look for a change at fault, but
    # no part gets through either, so nothing is put aside as the server's refusal
    fault = FaultyTransport(lambda req, n: "500" if req.url.path.endswith("/batches") and n >= 2 else None)
    with httpx.Client(transport=fault) as http, pytest.raises(NetworkError, match="服务器出错"):
        a.sync(http=http, limits=small)
    with a.store.read() as s:
        waiting = s.execute(select(OutboxEntry.batch_id).distinct()).scalars().all()
        assert s.execute(select(OutboxEntry.state).distinct()).scalars().all() == ["pending"]
    assert len(waiting) == 3  # the halves and the third batch still waiting, ids kept
    # one transient 500 on the next run is retried; then everything arrives exactly once
    fault = FaultyTransport(lambda req, n: "500" if req.url.path.endswith("/batches") and n == 1 else None)
    with httpx.Client(transport=fault) as http:
        a.sync(http=http, limits=small)
    assert a.outbox_count() == 0
    assert _stored_batches(server, state.credentials(a.store).device_id) == 4
    assert all(server.record("person", pid).revision == 1 for pid in pids)
    a.close()


def test_connection_refused_before_sending_keeps_everything(server, tmp_path: Path) -> None:
    a = new_device(server, tmp_path / "a", server.new_village())
    _people(a, 2)
    fault = FaultyTransport(lambda req, n: "drop_before")
    with httpx.Client(transport=fault) as http, pytest.raises(NetworkError, match="无法连接"):
        a.sync(http=http)
    assert a.outbox_count() == 3
    a.sync()
    assert a.outbox_count() == 0
    a.close()


def test_slow_link_64kbit_300ms_completes(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    pids = _people(a, 12, prefix="慢网")
    port = int(server.url.rsplit(":", 1)[1])
    proxy = ThrottlingProxy(port, bits_per_second=64_000, latency=0.3)
    try:
        summary = a.sync(server_url=proxy.url)
        assert summary.pushed["applied"] == 13
        summary = b.sync(server_url=proxy.url)
        assert summary.pulled["created"] == 13
    finally:
        proxy.close()
    assert proxy.bytes > 0
    assert {b.get(Person, pid).name for pid in pids} == {f"慢网{i}" for i in range(12)}
    a.close(), b.close()


CRASH_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from tests.keys import keyed
    from sync.client import SyncClient

    store = keyed(sys.argv[1])

    def crash(batch_id, result):  # the server has answered; the local commit has not happened
        os.kill(os.getpid(), signal.SIGKILL)

    SyncClient(store, after_response=crash).sync()
""")


def test_client_killed_between_ack_and_local_commit(server, tmp_path: Path) -> None:
    a = new_device(server, tmp_path / "a", server.new_village())
    pids = _people(a, 3)
    a.store.close()
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(a.folder)], cwd=REPO, capture_output=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    from tests.keys import keyed

    a.store = keyed(a.folder)
    with a.store.read() as s:
        rows = s.execute(select(OutboxEntry)).scalars().all()
    assert len(rows) == 4 and len({r.batch_id for r in rows}) == 1 and rows[0].batch_id
    device_id = state.credentials(a.store).device_id
    assert _stored_batches(server, device_id) == 1  # the server did commit
    a.sync()
    assert a.outbox_count() == 0
    assert _stored_batches(server, device_id) == 1
    assert all(server.record("person", pid).revision == 1 for pid in pids)
    assert all(a.get(Person, pid).server_revision == 1 for pid in pids)
    a.close()


def test_batch_too_big_for_the_server_is_cut_smaller(server, tmp_path: Path) -> None:
    a = new_device(server, tmp_path / "a", server.new_village())
    _people(a, 5)

    def too_long(request: httpx.Request, n: int) -> str | None:
        return "413" if request.url.path.endswith("/batches") and n == 1 else None

    fault = FaultyTransport(too_long)
    with httpx.Client(transport=fault) as http:
        summary = a.sync(http=http)
    assert summary.pushed["applied"] == 6 and a.outbox_count() == 0
    assert summary.batches == 2  # 6 changes refused as one batch, then sent as 3 + 3
    assert _stored_batches(server, state.credentials(a.store).device_id) == 2
