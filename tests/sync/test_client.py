"""The sync client against a real server on loopback: enrollment, push, pull, merge, conflicts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from jydesk.store.installation import set_up_village
from jydesk.store.models import Household, OutboxEntry, Person
from jydesk.store.sync_models import SyncConflict
from sync.client import EnrollmentError, NotEnrolledError, SyncClient, enroll
from sync.client.apply import apply_held
from sync.client.resolve import open_conflicts, rejected_changes, resend, resolve_conflict
from sync.protocol.models import ChangeResult, HeldOutcome
from sync.server.devices import issue_code
from tests.keys import keyed
from tests.sync.client_helpers import CLERK, NO_WAIT, id_number, new_device

SQLITE = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


@SQLITE
def test_not_enrolled_is_a_clear_error(server, tmp_path: Path) -> None:
    store = keyed(tmp_path)
    with pytest.raises(NotEnrolledError, match="尚未登记"):
        SyncClient(store)
    store.close()


@SQLITE
def test_enroll_refuses_other_village(server, tmp_path: Path) -> None:
    store = keyed(tmp_path)
    mine, other = server.new_village(), server.new_village()
    set_up_village(store, mine, "幸福村")
    code = issue_code(server.db, other).code
    with pytest.raises(EnrollmentError, match=r"已拒绝登记.*未作废"):
        enroll(store, server.url, code, retry=NO_WAIT)
    from sync.client import state

    assert state.credentials(store) is None
    store.close()
    right = keyed(tmp_path / "right")  # the code was not used up: the right computer takes it
    set_up_village(right, other, "光明村")
    assert enroll(right, server.url, code, retry=NO_WAIT).village_code == other
    right.close()


@SQLITE
def test_enroll_bad_code(server, tmp_path: Path) -> None:
    store = keyed(tmp_path)
    with pytest.raises(EnrollmentError, match="登记码不正确"):
        enroll(store, server.url, "AAAA-BBBB-CCCC", village_name="幸福村", retry=NO_WAIT)
    store.close()


@SQLITE
def test_push_then_pull_on_second_device(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    hid = a.add_household(phone="13800001111")
    pid = a.add_person(hid, name="李四", relation="本人")
    a.edit(Person, pid, phone="13912345678")
    assert a.outbox_count() == 3
    summary = a.sync()
    assert summary.pushed["applied"] == 2  # the two edits of the person were sent as one change
    assert a.outbox_count() == 0
    assert a.get(Person, pid).server_revision >= 1
    assert server.record("person", pid).fields["phone"] == "13912345678"

    b.sync()
    person = b.get(Person, pid)
    assert person.name == "李四" and person.phone == "13912345678" and person.household_id == hid
    assert person.birth_date is not None  # derived locally from the id number
    assert b.outbox_count() == 0  # pulled records are not local edits
    a.close(), b.close()


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_different_fields_merge_same_field_conflicts(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    hid = a.add_household()
    pid = a.add_person(hid, name="赵五", phone="13800000001")
    a.sync()
    b.sync()
    # different fields: merged on both
    a.edit(Person, pid, phone="13800000002")
    b.edit(Person, pid, note="独居，需每周探访")
    a.sync()
    summary = b.sync()
    assert summary.pushed["merged"] == 1
    a.sync()
    for d in (a, b):
        p = d.get(Person, pid)
        assert (p.phone, p.note) == ("13800000002", "独居，需每周探访")
    # the same field: a conflict on the second device, both values kept
    a.edit(Person, pid, phone="13800000003")
    b.edit(Person, pid, phone="13800000004")
    a.sync()
    summary = b.sync()
    assert summary.pushed["conflict"] == 1
    conflicts = open_conflicts(b.store)
    assert [(c.field, c.local_value, c.server_value) for c in conflicts] == [("phone", "13800000004", "13800000003")]
    assert b.get(Person, pid).phone == "13800000003"  # the server's value until the clerk decides
    resolve_conflict(b.store, conflicts[0].id, "local", CLERK)
    b.sync()
    a.sync()
    assert a.get(Person, pid).phone == b.get(Person, pid).phone == "13800000004"
    assert server.record("person", pid).fields["phone"] == "13800000004"
    assert open_conflicts(b.store) == []
    with b.store.read() as s:
        assert s.execute(select(SyncConflict.resolution)).scalars().all() == ["local"]
    a.close(), b.close()


@SQLITE
def test_pending_local_edit_survives_pull(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    hid = a.add_household()
    a.sync()
    b.sync()
    a.edit(Household, hid, phone="13811112222")
    a.sync()
    b.edit(Household, hid, note="b 的备注")
    with b.client() as c:
        c.pull()  # pull only: the pending note must stay, the server's phone arrives
    h = b.get(Household, hid)
    assert (h.phone, h.note) == ("13811112222", "b 的备注")
    with b.store.read() as s:
        assert s.execute(select(OutboxEntry.fields)).scalars().all() == [{"note": "b 的备注"}]
    b.sync()
    assert server.record("household", hid).fields["note"] == "b 的备注"
    a.close(), b.close()


@SQLITE
def test_revoked_device_stops_with_a_clear_message(server, tmp_path: Path) -> None:
    from sync.client import AuthError, state
    from sync.server.devices import revoke

    a = new_device(server, tmp_path / "a", server.new_village())
    a.add_household()
    assert revoke(server.db, state.credentials(a.store).device_id)
    calls: list[float] = []
    with pytest.raises(AuthError, match="停用"):
        a.sync(sleep=calls.append)
    assert calls == []  # 401 is not retried
    assert a.outbox_count() == 1
    a.close()


@SQLITE
def test_deletes_travel_and_a_record_deleted_before_sync_never_reaches_the_server(server, tmp_path: Path) -> None:
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    hid = a.add_household()
    gone = a.add_person(hid, name="已迁出")
    a.sync()
    b.sync()
    with a.store.write(CLERK) as w:
        w.delete(w.session.get(Person, gone))
    draft = a.add_person(hid, name="录错了")
    a.edit(Person, draft, phone="13800000123")
    with a.store.write(CLERK) as w:
        w.delete(w.session.get(Person, draft))
    summary = a.sync()
    assert summary.pushed["applied"] == 2  # the draft's three edits went as one delete
    assert server.record("person", gone).deleted
    assert server.record("person", draft) is None
    b.sync()
    assert b.get(Person, gone).deleted and b.get(Person, draft) is None
    a.close(), b.close()


@pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)
def test_held_change_rejected_when_its_parent_arrives_reaches_the_clerk(server, tmp_path: Path) -> None:
    """A person held for a household the server refused earlier; meanwhile another computer
    registers the same 身份证号; when the household is resent the server rejects the held
    person — it never comes back through pull, so the sync asks and shows the reason."""
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    b = new_device(server, tmp_path / "b", village)
    number = id_number()
    hid = a.add_household()
    pid = a.add_person(hid, name="孙六", id_number=number)
    with a.store.write(CLERK) as w:  # as if the server had refused the household before
        row = w.session.execute(select(OutboxEntry).where(OutboxEntry.record_id == hid)).scalar_one()
        row.state, row.error = "rejected", {"errors": [{"field": None, "code": "invalid", "message": "测试"}]}
    summary = a.sync()
    assert summary.pushed["held"] == 1 and summary.held["waiting"] == 1
    assert "1 条修改仍待上级记录" in summary.text()
    b.add_person(name="孙六", id_number=number)
    b.sync()
    resend(a.store, rejected_changes(a.store)[0].outbox_id, CLERK)
    summary = a.sync()
    assert summary.pushed["applied"] == 1 and summary.held["rejected"] == 1
    assert any("上级记录到达后被服务器退回" in p for p in summary.problems)
    [rejected] = rejected_changes(a.store)
    assert (rejected.entity, rejected.record_id) == ("person", pid)
    assert rejected.errors[0]["code"] == "duplicate_id_number"
    assert a.get(Person, pid).name == "孙六"  # nothing the clerk typed is lost
    assert server.record("person", pid) is None
    summary = a.sync()  # settled: not asked about again
    assert not summary.held
    a.close(), b.close()


def test_held_rows_settle_by_what_the_server_says(tmp_path: Path) -> None:
    """Waiting stays held; applied leaves the outbox (adopting the server's values); unknown
    to the server is sent again; rejected waits for the clerk with the reason."""
    store = keyed(tmp_path)
    set_up_village(store, "510185001001", "幸福村")
    with store.write(CLERK) as w:
        hid = w.add(Household(address="简城街道幸福路1号", residence="农村")).id
        pids = [w.add(Person(household_id=hid, name=f"张{i}", id_number=id_number())).id for i in range(4)]
    with store.write(CLERK) as w:
        for row in w.session.execute(select(OutboxEntry).where(OutboxEntry.record_id.in_(pids))).scalars():
            row.state, row.batch_id = "held", "0190a5f0-0000-7000-8000-000000000001"
    applied = ChangeResult(id=pids[1], entity="person", status="applied", revision=1, server_fields={"name": "张一"})
    rejected = ChangeResult(id=pids[3], entity="person", status="rejected",
                            errors=[{"field": "id_number", "code": "duplicate_id_number", "message": "重复"}])
    outcome = apply_held(store, [
        HeldOutcome(entity="person", id=pids[0], state="waiting", waiting_for={"entity": "household", "id": hid}),
        HeldOutcome(entity="person", id=pids[1].upper(), state="released", result=applied),
        HeldOutcome(entity="person", id=pids[2], state="unknown"),
        HeldOutcome(entity="person", id=pids[3], state="released", result=rejected)])
    assert outcome.counts == {"waiting": 1, "applied": 1, "resent": 1, "rejected": 1}
    with store.read() as s:
        states = dict(s.execute(select(OutboxEntry.record_id, OutboxEntry.state)
                                .where(OutboxEntry.record_id.in_(pids))).all())
        resent_batch = s.execute(select(OutboxEntry.batch_id).where(OutboxEntry.record_id == pids[2])).scalar_one()
    assert states == {pids[0]: "held", pids[2]: "pending", pids[3]: "rejected"}
    assert resent_batch is None
    with store.read() as s:
        person = s.get(Person, pids[1])
        assert person.name == "张一" and person.server_revision == 1
    assert rejected_changes(store)[0].errors[0]["code"] == "duplicate_id_number"
    store.close()


@SQLITE
def test_a_server_without_held_outcomes_leaves_held_changes_waiting(server, tmp_path: Path) -> None:
    """Against a server older than POST /held (404) the sync still succeeds; held rows wait."""
    village = server.new_village()
    a = new_device(server, tmp_path / "a", village)
    hid = a.add_household()
    pid = a.add_person(hid, name="钱七")
    with a.store.write(CLERK) as w:  # the household waits in the rejected list: the person is held
        row = w.session.execute(select(OutboxEntry).where(OutboxEntry.record_id == hid)).scalar_one()
        row.state, row.error = "rejected", {"errors": [{"field": None, "code": "invalid", "message": "测试"}]}
    real = httpx.Client(timeout=30)

    def older_server(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/held"):
            return httpx.Response(404, json={"type": "about:blank", "title": "找不到", "status": 404,
                                             "code": "not_found", "detail": "找不到该记录"})
        answer = real.request(request.method, request.url, headers=request.headers, content=request.content)
        headers = {k: v for k, v in answer.headers.items() if k not in ("content-encoding", "content-length")}
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)  # decoded already

    with httpx.Client(transport=httpx.MockTransport(older_server)) as http:
        summary = a.sync(http=http)
    real.close()
    assert summary.pushed["held"] == 1 and not summary.held
    with a.store.read() as s:
        assert s.execute(select(OutboxEntry.state).where(OutboxEntry.record_id == pid)).scalar_one() == "held"
    a.close()
