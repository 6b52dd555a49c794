"""End to end against a real server on loopback: village isolation, rejected changes,
deferred pulls, attachments, USB bundles and the CLI."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from jydesk.cli import main as jydesk_main
from jydesk.domain.entities import Entity
from jydesk.store.attachments import attach, attachments_of, blob_path, read_blob, store_photo
from jydesk.store.models import Attachment, OutboxEntry, Person
from jydesk.store.sync_models import DeferredRecord, SyncLogEntry
from sync.client import state
from sync.client.resolve import discard, rejected_changes, resend
from sync.protocol.wire import device_authorization
from sync.server.bundle_import import import_bundle
from sync.server.devices import issue_code
from tests.keys import folder_key, keyed
from tests.sync.client_helpers import CLERK, id_number, new_device

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def test_other_village_never_sees_or_changes_records(server, tmp_path: Path) -> None:
    mine, theirs = server.new_village(), server.new_village()
    a = new_device(server, tmp_path / "a", mine)
    c = new_device(server, tmp_path / "c", theirs, village_name="远方村")
    hid = a.add_household()
    pid = a.add_person(hid, name="钱六")
    a.sync()
    c.add_household(address="远方村2组")
    summary = c.sync()
    assert (summary.pulled["created"], summary.pulled["unchanged"]) == (0, 1)  # only its own household
    with c.store.read() as s:
        assert s.get(Person, pid) is None
    # a forged change to the other village's person is refused by the server, and kept for the clerk
    with c.store.write(CLERK) as w:
        w.add(Person(id=pid, name="冒名", id_number=id_number()))
    summary = c.sync()
    assert summary.pushed["rejected"] == 1
    [rejected] = rejected_changes(c.store)
    assert rejected.errors[0]["code"] == "forbidden_village"
    assert server.record("person", pid).fields["name"] == "钱六"
    a.sync()
    assert a.get(Person, pid).name == "钱六"
    a.close(), c.close()


def test_rejected_change_kept_then_edited_and_resent(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    number = id_number()
    a_pid = a.add_person(name="孙七", id_number=number)
    a.sync()
    b_pid = b.add_person(name="孙七", id_number=number, phone="13800009999")  # B registers the same person
    b.edit(Person, b_pid, note="低保对象")  # a later edit of the same record waits behind the rejected one
    summary = b.sync()
    assert summary.pushed["rejected"] == 1
    [rejected] = rejected_changes(b.store)
    assert rejected.errors[0]["code"] == "duplicate_id_number"
    assert "身份证号" in rejected.errors[0]["message"]
    # the other device's person cannot be applied while the local duplicate exists: deferred, not lost
    with b.store.read() as s:
        deferred = s.execute(select(DeferredRecord)).scalars().all()
        assert [(d.record_id, "身份证号相同" in d.reason) for d in deferred] == [(a_pid, True)]
        assert s.get(Person, a_pid) is None
    # correct the number and resend: accepted together with the waiting edit
    other = id_number()
    resend(b.store, rejected.outbox_id, CLERK, edits={"id_number": other})
    summary = b.sync()
    assert summary.pushed["applied"] == 1 and not rejected_changes(b.store)
    row = server.record("person", b_pid)
    assert (row.fields["id_number"], row.fields["note"]) == (other, "低保对象")
    with b.store.read() as s:
        assert s.execute(select(DeferredRecord)).scalars().all() == []
        assert s.get(Person, a_pid).name == "孙七"
    a.close(), b.close()


def test_discarding_a_rejected_creation_uncreates_it_and_applies_the_deferred(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    number = id_number()
    a_pid = a.add_person(name="周八", id_number=number)
    a.sync()
    b_pid = b.add_person(name="周八", id_number=number)
    b.sync()
    [rejected] = rejected_changes(b.store)
    discard(b.store, rejected.outbox_id, CLERK)
    assert b.get(Person, b_pid).deleted
    assert b.outbox_count() == 0
    b.sync()
    assert b.get(Person, a_pid).id_number == number
    assert server.record("person", b_pid) is None
    a.close(), b.close()


def _photo(folder: Path, seed: int) -> Path:
    img = Image.effect_noise((900, 700), 60 + seed).convert("RGB")
    path = folder / f"photo{seed}.png"
    buf = io.BytesIO()
    img.save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def test_attachment_uploaded_after_its_record_and_resumed(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    pid = a.add_person(name="吴九")
    photo = store_photo(a.store.attachments_dir, _photo(tmp_path, 1), a.store.key)
    with a.store.write(CLERK) as w:
        att = attach(w, Entity.PERSON, pid, photo, "身份证复印件")
    creds = state.credentials(a.store)
    # half of the file reached the server earlier, then the link broke
    blob = read_blob(photo.path, a.store.key)
    assert blob not in photo.path.read_bytes()  # encrypted on the device's disk
    half = len(blob) // 2
    with httpx.Client(base_url=server.url, headers=device_authorization(creds.device_id, creds.secret)) as http:
        r = http.post("/api/v1/attachments", json={"sha256": photo.sha256, "size": len(blob), "mime": "image/jpeg"})
        assert r.status_code == 200, r.text
        r = http.put(f"/api/v1/attachments/{photo.sha256}", params={"offset": 0}, content=blob[:half])
        assert r.json()["received"] == half
    offsets: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.method == "PUT":
            offsets.append(request.url.params["offset"])

    with httpx.Client(event_hooks={"request": [record]}) as http:
        summary = a.sync(http=http)
    assert summary.uploaded == 1
    assert offsets[0] == str(half)  # resumed, not restarted
    stored = server.settings.blob_dir / photo.sha256[:2] / photo.sha256
    assert stored.read_bytes() == blob
    assert a.get(Attachment, att.id).uploaded
    # the second device gets the record, then the file (checked against its hash)
    b = new_device(server, tmp_path / "b", village)
    summary = b.sync()
    assert b.get(Attachment, att.id).sha256 == photo.sha256
    assert summary.downloaded == 1 and "下载附件 1 个" in summary.text()
    with b.store.read() as s:
        [info] = attachments_of(s, b.store.attachments_dir, Entity.PERSON, pid)
    assert info.available and read_blob(info.path, b.store.key) == blob and info.thumbnail.exists()
    assert b.sync().downloaded == 0  # kept: not fetched again
    a.close(), b.close()


def test_attachment_of_another_computer_waits_for_its_upload_and_is_checked(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    pid = a.add_person(name="冯十一")
    photo = store_photo(a.store.attachments_dir, _photo(tmp_path, 2), a.store.key)
    with a.store.write(CLERK) as w:
        attach(w, Entity.PERSON, pid, photo, "残疾证")
    with a.client() as client:
        client.push()  # the record is on the server, the file not yet
    summary = b.sync()
    assert summary.downloaded == 0 and not summary.problems
    assert not blob_path(b.store.attachments_dir, photo.sha256).exists()
    with b.store.read() as s:
        logged = s.execute(select(SyncLogEntry.message)).scalars().all()
    assert any("1 个附件暂未下载" in m for m in logged)
    a.sync()
    stored = server.settings.blob_dir / photo.sha256[:2] / photo.sha256
    good = stored.read_bytes()
    stored.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # damaged on the server's disk
    summary = b.sync()
    assert summary.downloaded == 0 and any("校验不符" in p for p in summary.problems)
    assert not blob_path(b.store.attachments_dir, photo.sha256).exists()
    stored.write_bytes(good)
    assert b.sync().downloaded == 1
    assert read_blob(blob_path(b.store.attachments_dir, photo.sha256), b.store.key) == good
    a.close(), b.close()


def test_usb_bundle_then_online_sync_applies_nothing_twice(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    hid = a.add_household()
    pid = a.add_person(hid, name="郑十")
    from sync.client import export_bundle

    result = export_bundle(a.store, tmp_path / "usb" / "a.jybundle")
    assert (result.batches, result.changes) == (1, 2)
    a.edit(Person, pid, phone="13700001234")  # edited after the export: goes online later
    report = import_bundle(server.db, result.path.read_bytes())
    assert report["counts"] == {"applied": 2}
    revision = server.record("person", pid).revision
    summary = a.sync()
    # the exported batch is answered from the stored result, the later edit is new
    assert summary.batches == 2
    assert a.outbox_count() == 0
    row = server.record("person", pid)
    assert row.revision == revision + 1 and row.fields["phone"] == "13700001234"
    assert server.count(village_code=village) == 2
    a.close()


def test_cli_enroll_sync_and_export(server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    village = server.new_village()
    data = tmp_path / "data"
    code = issue_code(server.db, village).code
    assert jydesk_main(["--data-dir", str(data), "enroll", "--server", server.url, "--code", code,
                        "--village-name", "幸福村"]) == 0
    assert "登记成功" in capsys.readouterr().out
    key = folder_key(data)  # a new folder: enroll made its data key and the clerk's slot
    store = keyed(data, key=key)
    with store.write(CLERK) as w:
        w.add(Person(name="冯一", id_number=id_number()))
    store.close()
    assert jydesk_main(["--data-dir", str(data), "export-bundle", "-o", str(tmp_path / "x.jybundle")]) == 0
    assert "1 条修改" in capsys.readouterr().out
    assert jydesk_main(["--data-dir", str(data), "sync"]) == 0
    out = capsys.readouterr().out
    assert "同步完成" in out and "上传 1 条修改" in out
    assert jydesk_main(["--data-dir", str(data), "export-bundle", "-o", str(tmp_path / "y.jybundle")]) == 1
    assert "没有待同步的修改" in capsys.readouterr().err
    # a server that is not there: non-zero exit and a one-line reason
    assert jydesk_main(["--data-dir", str(data), "sync", "--server", "http://127.0.0.1:9", "--retries", "2"]) == 1
    assert "无法连接" in capsys.readouterr().err
    # a code for another village is refused with a clear message
    other = issue_code(server.db, server.new_village()).code
    assert jydesk_main(["--data-dir", str(data), "enroll", "--server", server.url, "--code", other,
                        "--re-enroll"]) == 1
    assert "已拒绝登记" in capsys.readouterr().err
    with keyed(data, key=key).read() as s:
        assert s.execute(select(OutboxEntry)).first() is None
