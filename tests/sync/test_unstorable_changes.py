"""A change the server cannot take never holds back the others (issue 15, item 1).

Real desktop stores (SQLite files) syncing over HTTP with a live server: a NUL character
queued by an older version is normalised by the server; a change the server keeps failing
on is found by splitting its batch and listed in 被退回 with the server's answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select, update

from jydesk.store.models import Household, OutboxEntry
from jydesk.store.unit_of_work import SERVER_ACTOR
from sync.client.errors import SyncError
from sync.client.resolve import rejected_changes
from sync.protocol.wire import decompress
from tests.sync.client_helpers import CLERK, Device, new_device
from tests.sync.faults import FaultyTransport

OTHERS = 60


def _queue(device: Device, note: str) -> tuple[str, list[str]]:
    """60 households and one whose outbox row carries ``note`` as an older desktop queued it."""
    with device.store.write(CLERK) as w:
        others = [w.add(Household(address=f"简城街道幸福路{i}号", residence="农村")).id for i in range(OTHERS)]
    hid = device.add_household(address="简城街道粘贴路1号", note="粘贴的备注")
    with device.store.write(SERVER_ACTOR, origin="server") as w:
        row = w.session.execute(select(OutboxEntry).where(OutboxEntry.record_id == hid)).scalar_one()
        w.session.execute(update(OutboxEntry).where(OutboxEntry.id == row.id)
                          .values(fields={**row.fields, "note": note}))
    with device.store.read() as s:
        assert s.execute(select(OutboxEntry.fields).where(OutboxEntry.record_id == hid)).scalar_one()["note"] == note
    return hid, others


@pytest.mark.parametrize("server", ["postgres"], indirect=True)
def test_nul_note_and_sixty_others_reach_postgresql(server, tmp_path: Path) -> None:
    device = new_device(server, tmp_path / "a", server.new_village())
    hid, others = _queue(device, "粘贴\x00的备注\u202e")
    summary = device.sync()
    assert summary.pushed["applied"] == OTHERS + 1 and device.outbox_count() == 0
    assert all(server.record("household", rid) is not None for rid in others)
    assert server.record("household", hid).fields["note"] == "粘贴的备注"
    assert device.get(Household, hid).note == "粘贴的备注"  # the server's normalised value adopted
    device.close()


def test_the_desktop_stores_clean_text(server, tmp_path: Path) -> None:
    device = new_device(server, tmp_path / "a", server.new_village())
    hid = device.add_household(address=" 简城街道\x00幸福路3号\u3000", note="第一行\r\n\u202e第二行\x00")
    stored = device.get(Household, hid)
    assert (stored.address, stored.note) == ("简城街道幸福路3号", "第一行\n第二行")
    with device.store.read() as s:
        [row] = s.execute(select(OutboxEntry).where(OutboxEntry.record_id == hid)).scalars().all()
    assert row.fields["note"] == "第一行\n第二行"
    device.close()


def _on_batches(decide: Callable[[dict[str, Any]], str | None]) -> httpx.Client:
    """An HTTP client whose pushes pass through ``decide(batch)`` (see ``FaultyTransport``)."""

    def rule(request: httpx.Request, _n: int) -> str | None:
        if request.method != "POST" or not request.url.path.endswith("/batches"):
            return None
        data = request.content
        if request.headers.get("content-encoding"):
            data = decompress(data, request.headers["content-encoding"], max_size=1 << 26)
        return decide(orjson.loads(data))

    return httpx.Client(transport=FaultyTransport(rule), timeout=30)


@pytest.mark.parametrize("server", ["postgres"], indirect=True)
def test_a_change_the_server_keeps_failing_on_is_found_and_listed(server, tmp_path: Path) -> None:
    device = new_device(server, tmp_path / "a", server.new_village())
    hid, others = _queue(device, "服务器处理不了的备注")
    sent: list[int] = []

    def poison(batch: dict[str, Any]) -> str | None:
        sent.append(len(batch["changes"]))
        return "500" if any(c["fields"].get("note") == "服务器处理不了的备注" for c in batch["changes"]) else None

    summary = device.sync(http=_on_batches(poison))
    assert summary.pushed["applied"] == OTHERS and summary.pushed["rejected"] == 1
    assert all(server.record("household", rid) is not None for rid in others)
    assert server.record("household", hid) is None
    [refused] = rejected_changes(device.store)
    assert refused.record_id == hid and "注入的服务器错误" in refused.errors[0]["message"]
    assert device.outbox_count() == 1  # only the refused change, waiting for the clerk
    assert sent[0] == OTHERS + 1 and 1 in sent and len(sent) < 40  # halves, down to the one change
    device.close()


def test_split_after_the_server_applied_the_original_batch(server, tmp_path: Path) -> None:
    """The server applied the batch but its every answer failed: the halves send the same
    changes under new batch ids, which changes nothing on the server."""
    device = new_device(server, tmp_path / "a", server.new_village())
    _hid, others = _queue(device, "普通备注")
    first: list[str] = []

    def applied_then_failing(batch: dict[str, Any]) -> str | None:
        first[:] = first or [batch["batch_id"]]
        return "500_after" if batch["batch_id"] == first[0] else None

    summary = device.sync(http=_on_batches(applied_then_failing))
    assert summary.pushed["rejected"] == 0 and device.outbox_count() == 0
    for rid in others:
        row = server.record("household", rid)
        assert row is not None and row.revision == 1  # written once, the resend changed nothing
    assert server.scalar("SELECT count(*) FROM records WHERE village_code = :v", v=device.village) == OTHERS + 1
    device.close()


def test_a_server_failing_on_everything_rejects_nothing(server, tmp_path: Path) -> None:
    device = new_device(server, tmp_path / "a", server.new_village())
    device.add_household()
    device.add_household(address="简城街道幸福路2号")
    always = FaultyTransport(lambda request, _n: "500" if request.url.path.endswith("/batches") else None)
    with pytest.raises(SyncError, match="注入的服务器错误"):
        device.sync(http=httpx.Client(transport=always, timeout=30))
    assert rejected_changes(device.store) == [] and device.outbox_count() == 2
    device.close()
