"""Push: idempotent batches, per-change results, merge vs conflict, held changes, validation."""

from __future__ import annotations

import gzip
import uuid

import orjson
import zstandard
from sqlalchemy import select

from jydesk.domain.ids import new_id
from sync.protocol.models import Batch, BatchResult
from sync.server import batches
from sync.server.batches import DeviceRef
from sync.server.devices import get_device
from sync.server.models import Conflict, HeldChange, StoredBatch
from tests.sync.conftest import ServerEnv, change


def test_same_batch_twice_is_applied_once(server: ServerEnv, device) -> None:
    hid, hh = device.household()
    pid, person = device.person(hid)
    body = device.batch([hh, person])
    first = device.push_raw(body)
    second = device.push_raw(body)
    assert first.status_code == second.status_code == 200
    one, two = BatchResult.model_validate(first.json()), BatchResult.model_validate(second.json())
    assert not one.replayed and two.replayed
    assert [r.model_dump() for r in one.results] == [r.model_dump() for r in two.results]
    assert [r.status for r in one.results] == ["applied", "applied"]
    assert server.count(village_code=device.village) == 2
    assert server.record("person", pid).revision == 1
    assert server.scalar("SELECT count(*) FROM batches WHERE batch_id = :b", b=body["batch_id"]) == 1
    pulled = device.pull_all()
    assert sorted(c["id"] for c in pulled) == sorted([hid, pid])


def test_same_batch_id_with_other_content_is_refused(server: ServerEnv, device) -> None:
    _, hh = device.household()
    batch_id = str(uuid.uuid4())
    assert device.push([hh], batch_id)[0]["status"] == "applied"
    _, other = device.household(address="另一个地址")
    r = device.push_raw(device.batch([other], batch_id))
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "batch_id_reused"
    assert server.count(village_code=device.village) == 1


def test_one_bad_change_does_not_sink_the_good_ones(server: ServerEnv, device) -> None:
    hid, hh = device.household()
    good_id, good = device.person(hid)
    bad_id, bad = device.person(hid, id_number="510185194503150021")  # wrong check digit
    unknown = change("person", new_id(), {"village_code": device.village, "name": "王五",
                                           "id_number": server.new_id_number(), "shoe_size": 42})
    missing = change("household", new_id(), {"village_code": device.village})
    results = device.push([hh, good, bad, unknown, missing])
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "rejected", "rejected"]
    assert results[2]["errors"] == [{"field": "id_number", "code": "check_digit",
                                     "message": "身份证号校验位错误（最后一位应为 5），请核对是否输错"}]
    assert results[3]["errors"][0]["field"] == "shoe_size" and results[3]["errors"][0]["code"] == "unknown_field"
    assert results[4]["errors"][0] == {"field": "address", "code": "required", "message": "家庭住址不能为空"}
    assert server.record("person", good_id) is not None
    assert server.record("person", bad_id) is None
    assert server.count(village_code=device.village) == 2


def test_values_are_normalised_and_sent_back(server: ServerEnv, device) -> None:
    pid, person = device.person(id_number="11010519491231002x", phone="138-0000-1234", monthly_income="1200")
    result = device.push([person])[0]
    assert result["status"] == "applied"
    assert result["server_fields"] == {"id_number": "11010519491231002X", "phone": "13800001234",
                                       "monthly_income": "1200.00"}
    assert server.record("person", pid).fields["id_number"] == "11010519491231002X"


def test_edits_of_different_fields_merge(server: ServerEnv) -> None:
    a = server.enroll()
    b = server.enroll(a.village, http=server.client())
    pid, person = a.person(phone="13800000001")
    assert a.push([person])[0]["revision"] == 1
    b.pull_all()
    assert b.revisions[("person", pid)] == 1
    assert a.push([change("person", pid, {"phone": "13900000002"}, base=1)])[0]["status"] == "applied"
    res = b.push([change("person", pid, {"note": "常年外出务工"}, base=1)])[0]
    assert res["status"] == "merged"
    assert res["revision"] == 3
    assert res["server_fields"] == {"phone": "13900000002"}
    row = server.record("person", pid)
    assert row.fields["phone"] == "13900000002" and row.fields["note"] == "常年外出务工"


def test_same_field_on_both_sides_is_a_conflict_that_keeps_both(server: ServerEnv) -> None:
    a = server.enroll()
    b = server.enroll(a.village, http=server.client())
    pid, person = a.person(phone="13800000001")
    a.push([person])
    a.push([change("person", pid, {"phone": "13900000002"}, base=1)])
    res = b.push([change("person", pid, {"phone": "13700000003", "note": "电话已变更"}, base=1)])[0]
    assert res["status"] == "conflict"
    assert res["conflicts"] == [{"field": "phone", "server_value": "13900000002", "client_value": "13700000003"}]
    row = server.record("person", pid)
    assert row.fields["phone"] == "13900000002"  # nothing overwritten
    assert row.fields["note"] == "电话已变更"  # the other field merged
    with server.db.read() as conn:
        kept = conn.execute(select(Conflict.field, Conflict.server_value, Conflict.client_value)
                            .where(Conflict.record_id == pid)).all()
    assert [tuple(k) for k in kept] == [("phone", "13900000002", "13700000003")]
    # the clerk decides for the local value: a new change on the returned revision applies
    again = b.push([change("person", pid, {"phone": "13700000003"}, base=res["revision"])])[0]
    assert again["status"] == "applied"
    assert server.record("person", pid).fields["phone"] == "13700000003"


def test_a_device_does_not_conflict_with_its_own_earlier_edits(server: ServerEnv, device) -> None:
    pid, person = device.person(phone="13800000001")
    device.push([person])
    results = device.push([change("person", pid, {"phone": "13800000002"}, base=1),
                           change("person", pid, {"phone": "13800000003"}, base=1)])
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert server.record("person", pid).fields["phone"] == "13800000003"


def test_delete_against_a_newer_edit_is_a_conflict(server: ServerEnv) -> None:
    a = server.enroll()
    b = server.enroll(a.village, http=server.client())
    hid, hh = a.household()
    a.push([hh])
    a.push([change("household", hid, {"phone": "13800000009"}, base=1)])
    res = b.push([change("household", hid, op="delete", base=1)])[0]
    assert res["status"] == "conflict" and res["conflicts"][0]["field"] == "deleted"
    assert server.record("household", hid).deleted is False
    assert b.push([change("household", hid, op="delete", base=2)])[0]["status"] == "applied"
    pulled = {c["id"]: c for c in b.pull_all()}
    assert pulled[hid]["deleted"] is True


def test_server_owned_fields_and_statuses_are_refused(server: ServerEnv, device) -> None:
    cid = new_id()
    case = change("case", cid, {"village_code": device.village, "form_code": "dibao", "status": "草稿",
                                "data.applicant_name": "张三"})
    assert device.push([case])[0]["status"] == "applied"
    res = device.push([change("case", cid, {"decision": "批准", "decision_amount": "800.00"}, base=1),
                       change("case", cid, {"status": "已批准"}, base=1),
                       change("case", cid, {"status": "退回补正"}, base=1),
                       change("case", cid, {"data.town_opinion": "同意"}, base=1),
                       change("case", cid, {"status": "已上报"}, base=1),
                       change("case", cid, {"decision": None, "status": "草稿"}, base=1)])
    assert [r["status"] for r in res] == ["rejected"] * 5 + ["applied"]
    assert [r["errors"][0]["code"] for r in res[:5]] == [
        "server_owned", "server_status", "server_status", "server_owned", "required"]
    assert res[0]["errors"][0]["field"] == "decision"
    assert res[3]["errors"][0]["field"] == "data.town_opinion"
    row = server.record("case", cid)
    assert row.fields["status"] == "草稿" and "decision" not in row.fields and row.revision == 1


def test_draft_case_checks_only_sent_form_values_and_a_moved_case_the_whole_form(server: ServerEnv, device) -> None:
    cid = new_id()
    res = device.push([change("case", cid, {"village_code": device.village, "form_code": "dibao", "status": "草稿",
                                            "data.applied_on": "2999-01-01"}),
                       change("case", new_id(), {"village_code": device.village, "form_code": "no-such-form",
                                                 "status": "草稿"})])
    assert res[0]["status"] == "rejected" and res[0]["errors"][0]["field"] == "data.applied_on"
    assert res[1]["status"] == "rejected" and res[1]["errors"][0]["code"] == "unknown_form"
    res = device.push([change("case", cid, {"village_code": device.village, "form_code": "dibao", "status": "草稿",
                                            "data.applicant_name": "张三"})])
    assert res[0]["status"] == "applied"  # a draft may be incomplete
    moved = device.push([change("case", cid, {"status": "已受理"}, base=1)])[0]
    assert moved["status"] == "rejected"
    fields = {e["field"] for e in moved["errors"]}
    assert {"data.applied_on", "data.applicant_id_number"} <= fields
    assert all(e["code"] == "required" for e in moved["errors"] if e["field"] == "data.applied_on")


def test_visit_whose_person_has_not_arrived_is_held_then_applied(server: ServerEnv, device) -> None:
    pid, person = device.person()
    vid = new_id()
    visit = change("visit", vid, {"village_code": device.village, "person_id": pid, "visited_on": "2025-01-06",
                                  "method": "入户", "visitors": "李专干"})
    edit = change("visit", vid, {"follow_up_needed": True}, base=0)
    res = device.push([visit, edit])
    assert [r["status"] for r in res] == ["held", "held"]
    assert server.record("visit", vid) is None
    assert all(c["id"] != vid for c in device.pull_all())
    assert server.scalar("SELECT count(*) FROM held_changes WHERE record_id = :r AND released_at IS NULL", r=vid) == 2
    assert device.push([person])[0]["status"] == "applied"
    row = server.record("visit", vid)
    assert row is not None and row.fields["follow_up_needed"] is True and row.revision == 2
    with server.db.read() as conn:
        released = conn.execute(select(HeldChange.result).where(HeldChange.record_id == vid)).scalars().all()
    assert [r["status"] for r in released] == ["applied", "applied"]
    assert {c["id"] for c in device.pull_all()} >= {pid, vid}


def test_device_learns_what_became_of_its_held_changes(server: ServerEnv, device) -> None:
    """A held change rejected when its parent arrives never comes back through pull: the
    device asks POST /held and gets the reason; it sees only its own held changes."""
    hid, household = device.household()
    number = server.new_id_number()
    pid, person = device.person(hid, id_number=number)
    waiting_hid = new_id()
    qid, waiting = device.person(waiting_hid)
    assert [r["status"] for r in device.push([person, waiting])] == ["held", "held"]
    other = server.enroll(device.village)  # a second computer of the same village registers him first
    try:
        assert other.push([other.person(id_number=number)[1]])[0]["status"] == "applied"
        assert device.push([household])[0]["status"] == "applied"  # releases the held person: now a duplicate
        asked = {"changes": [{"entity": "person", "id": pid}, {"entity": "person", "id": qid.upper()},
                             {"entity": "visit", "id": new_id()}, {"entity": "visit", "id": "a,b\x00"}]}
        r = device.http.post("/api/v1/held", json=asked, headers=device.headers)
        assert r.status_code == 200, r.text
        rejected, still, unknown, malformed = r.json()["results"]
        assert rejected["state"] == "released" and rejected["result"]["status"] == "rejected"
        assert rejected["result"]["errors"][0]["code"] == "duplicate_id_number"
        assert still["state"] == "waiting" and still["id"] == qid.upper()
        assert still["waiting_for"] == {"entity": "household", "id": waiting_hid}
        assert unknown["state"] == "unknown" and unknown["result"] is None
        assert malformed["state"] == "unknown" and malformed["id"] == "a,b\x00"
        assert server.record("person", pid) is None
        r = other.http.post("/api/v1/held", json=asked, headers=other.headers)
        assert [o["state"] for o in r.json()["results"]] == ["unknown"] * 4
    finally:
        other.http.close()
    r = device.http.post("/api/v1/held", json={"changes": [{"entity": "person", "id": pid}] * 1001},
                         headers=device.headers)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_child_before_parent_in_one_batch_is_applied(server: ServerEnv, device) -> None:
    hid, hh = device.household()
    pid, person = device.person(hid)
    res = device.push([person, hh])
    assert [r["status"] for r in res] == ["applied", "applied"]
    assert server.record("person", pid).fields["household_id"] == hid


def test_duplicate_id_number_in_a_village_is_refused(server: ServerEnv, device) -> None:
    number = server.new_id_number()
    _, first = device.person(id_number=number)
    _, second = device.person(id_number=number, name="重复")
    res = device.push([first, second])
    assert [r["status"] for r in res] == ["applied", "rejected"]
    assert res[1]["errors"][0]["code"] == "duplicate_id_number"
    assert res[1]["errors"][0]["field"] == "id_number"


def test_batch_from_another_device_id_is_refused(server: ServerEnv, device) -> None:
    _, hh = device.household()
    body = device.batch([hh])
    body["device_id"] = str(uuid.uuid4())
    r = device.push_raw(body)
    assert r.status_code == 403 and r.json()["code"] == "device_mismatch"


def test_malformed_body_gets_a_problem_naming_the_field(server: ServerEnv, device) -> None:
    r = device.http.post("/api/v1/batches", content=b'{"batch_id": 1}', headers={**device.headers,
                                                                                 "Content-Type": "application/json"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_request"
    assert {e["field"] for e in body["errors"]} >= {"batch_id", "device_id", "changes"}
    r = device.http.post("/api/v1/batches", content=b"{not json", headers={**device.headers,
                                                                           "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_gzip_and_zstd_request_bodies_and_compressed_answers(server: ServerEnv, device) -> None:
    for encoding, pack in (("gzip", gzip.compress), ("zstd", zstandard.ZstdCompressor().compress)):
        _, hh = device.household(note="压缩" * 400)
        raw = orjson.dumps(device.batch([hh]))
        r = device.http.post("/api/v1/batches", content=pack(raw), headers={
            **device.headers, "Content-Type": "application/json", "Content-Encoding": encoding,
            "Accept-Encoding": encoding})
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["status"] == "applied"
    r = device.http.get("/api/v1/changes", headers={**device.headers, "Accept-Encoding": "zstd"})
    assert r.headers.get("content-encoding") == "zstd"
    assert len(r.json()["changes"]) == 2
    r = device.http.post("/api/v1/batches", content=b"garbage", headers={
        **device.headers, "Content-Type": "application/json", "Content-Encoding": "zstd"})
    assert r.status_code == 400 and r.json()["code"] == "bad_encoding"
    r = device.http.post("/api/v1/batches", content=b"x", headers={
        **device.headers, "Content-Type": "application/json", "Content-Encoding": "br"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_encoding"


def test_stored_batch_keeps_what_came_in(server: ServerEnv, device) -> None:
    _, hh = device.household(note="原始内容")
    body = device.batch([hh])
    device.push_raw(body)
    with server.db.read() as conn:
        payload = conn.execute(select(StoredBatch.payload).where(StoredBatch.batch_id == body["batch_id"])).scalar_one()
    kept = orjson.loads(zstandard.ZstdDecompressor().decompress(payload))
    assert kept["changes"][0]["fields"]["note"] == "原始内容"


def test_several_offline_moves_arrive_as_one_but_a_move_back_is_refused(server: ServerEnv, device) -> None:
    """Offline, 受理 then 入户调查 reach the server as one coalesced change; going back is refused."""
    from jydesk.domain.forms import get_definition
    from tests.printing.form_samples import sample

    cid = new_id()
    values = sample(get_definition("dibao"))
    fields = {f"data.{k}": v for k, v in values.items() if k not in {"town_opinion", "town_opinion_on",
              "county_opinion", "county_opinion_on", "approved_people", "approved_category", "approved_standard",
              "income_gap", "approved_amount"} and not k.startswith(("town_", "county_"))}
    res = device.push([change("case", cid, {"village_code": device.village, "form_code": "dibao",
                                            "form_version": get_definition("dibao").version, "status": "草稿",
                                            **fields})])
    assert res[0]["status"] == "applied", res[0]
    moved = device.push([change("case", cid, {"status": "入户调查"}, base=1)])[0]
    assert moved["status"] == "applied", moved
    back = device.push([change("case", cid, {"status": "已受理"}, base=moved["revision"])])[0]
    assert back["status"] == "rejected" and back["errors"][0]["code"] == "invalid_transition"
    assert server.record("case", cid).fields["status"] == "入户调查"


def _ref(server: ServerEnv, device) -> DeviceRef:
    record = get_device(server.db, device.device_id)
    assert record is not None
    return record.ref


def test_same_new_id_from_two_villages_at_once_rejects_the_later_change(server: ServerEnv, monkeypatch) -> None:
    """Two villages create a record with the same UUID at the same moment: the batch that
    commits second gets a per-change forbidden_village rejection (no 500), and its other
    changes are applied. On PostgreSQL the first batch commits while the second is between
    loading and writing (the id was free when it looked); SQLite writers queue up."""
    one, two = server.enroll(), server.enroll()
    rid = new_id()
    _, first = one.household()
    first["id"] = rid
    _, clash = two.household()
    clash["id"] = rid
    keep_id, keep = two.household()
    first_batch, second_batch = Batch.model_validate(one.batch([first])), Batch.model_validate(two.batch([clash, keep]))
    if server.backend == "postgres":
        original = batches.Applier.prefetch
        done: list[dict] = []
        started: list[bool] = []

        def prefetch_then_let_the_other_village_commit(self, prepared) -> None:
            original(self, prepared)
            if not started:  # another connection: the village locks differ, nothing waits
                started.append(True)
                done.append(batches.apply_batch(server.db, _ref(server, one), first_batch))

        monkeypatch.setattr(batches.Applier, "prefetch", prefetch_then_let_the_other_village_commit)
        second = batches.apply_batch(server.db, _ref(server, two), second_batch)
        assert [r["status"] for r in done[0]["results"]] == ["applied"]
    else:
        assert batches.apply_batch(server.db, _ref(server, one), first_batch)["results"][0]["status"] == "applied"
        second = batches.apply_batch(server.db, _ref(server, two), second_batch)
    assert [r["status"] for r in second["results"]] == ["rejected", "applied"]
    assert second["results"][0]["errors"][0]["code"] == "forbidden_village"
    assert server.record("household", rid).village_code == one.village
    assert server.record("household", keep_id).village_code == two.village
    again = batches.apply_batch(server.db, _ref(server, two), second_batch)
    assert again["replayed"] and again["results"] == second["results"]
    one.http.close()
    two.http.close()
