"""Enrollment codes, device authentication and revocation, village isolation."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from jydesk.domain.ids import new_id
from sync.server.devices import issue_code, revoke
from sync.server.models import Device, EnrollmentCode
from tests.sync.conftest import ServerEnv, change


def test_code_is_exchanged_once_for_a_device_bound_to_its_village(server: ServerEnv) -> None:
    village = server.new_village()
    issued = issue_code(server.db, village)
    with server.client() as http:
        r = http.post("/api/v1/enroll", json={"code": issued.code.lower().replace("-", " "), "device_name": "一号机"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["village_code"] == village and body["town_name"]
        again = http.post("/api/v1/enroll", json={"code": issued.code})
        assert again.status_code == 409 and again.json()["code"] == "enrollment_code_used"
        assert again.json()["detail"] == "登记码已被使用过，每个登记码只能使用一次"
        me = http.get("/api/v1/device", headers={"Authorization": f"Bearer {body['device_id']}.{body['secret']}"})
        assert me.status_code == 200 and me.json()["village_code"] == village and me.json()["name"] == "一号机"
    with server.db.read() as conn:
        row = conn.execute(select(Device.__table__).where(Device.id == body["device_id"])).one()
        codes = conn.execute(select(EnrollmentCode.code_hash)).scalars().all()
    assert body["secret"] not in (row.secret_hash, row.bundle_key)  # only a hash is kept
    assert len(row.secret_hash) == 64
    assert issued.code.replace("-", "") not in "".join(codes)


def test_code_of_another_village_is_refused_and_stays_usable(server: ServerEnv) -> None:
    """An installation that already belongs to a village says so: a code of another
    village enrolls nothing and is not used up (the right computer can still use it)."""
    village, mine = server.new_village(), server.new_village()
    issued = issue_code(server.db, village)
    with server.client() as http:
        r = http.post("/api/v1/enroll", json={"code": issued.code, "village_code": mine})
        assert r.status_code == 409 and r.json()["code"] == "enrollment_village_mismatch"
        assert village in r.json()["detail"] and "未作废" in r.json()["detail"]
        assert server.scalar("SELECT count(*) FROM devices WHERE village_code = :v", v=village) == 0
        r = http.post("/api/v1/enroll", json={"code": issued.code, "village_code": "5101"})
        assert r.status_code == 422 and r.json()["field"] == "village_code"
        r = http.post("/api/v1/enroll", json={"code": issued.code, "village_code": village})
        assert r.status_code == 200 and r.json()["village_code"] == village


def test_expired_and_unknown_codes_are_refused(server: ServerEnv) -> None:
    expired = issue_code(server.db, server.new_village(), ttl_hours=-1)
    with server.client() as http:
        r = http.post("/api/v1/enroll", json={"code": expired.code})
        assert r.status_code == 410 and r.json()["code"] == "enrollment_code_expired"
        assert r.json()["field"] == "code"
        r = http.post("/api/v1/enroll", json={"code": "AAAA-BBBB-CCCC"})
        assert r.status_code == 400 and r.json()["code"] == "enrollment_code_invalid"
    assert server.scalar("SELECT count(*) FROM devices WHERE village_code = :v", v=expired.village_code) == 0


def test_revoked_device_and_bad_secrets_get_401(server: ServerEnv, device) -> None:
    _, hh = device.household()
    device.push([hh])
    wrong = device.http.get("/api/v1/changes", headers={"Authorization": f"Bearer {device.device_id}.not-the-secret"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized"
    assert device.http.get("/api/v1/changes").status_code == 401
    assert device.http.get("/api/v1/changes", headers={"Authorization": "Bearer garbage"}).status_code == 401
    assert revoke(server.db, device.device_id)
    r = device.http.get("/api/v1/changes", headers=device.headers)
    assert r.status_code == 401 and r.json()["code"] == "device_revoked"
    _, other = device.household()
    r = device.push_raw(device.batch([other]))
    assert r.status_code == 401
    assert server.count(village_code=device.village) == 1


def test_a_device_cannot_read_or_write_another_villages_records(server: ServerEnv) -> None:
    a = server.enroll()
    b = server.enroll()
    assert a.village != b.village
    hid, hh = b.household()
    pid, person = b.person(hid, phone="13800000001")
    b.push([hh, person])
    before = server.record("person", pid)

    # by id: edit or delete B's person, or create a record with B's village code
    res = a.push([change("person", pid, {"phone": "13900000000"}, base=1),
                  change("person", pid, op="delete", base=1),
                  change("household", new_id(), {"village_code": b.village, "address": "冒充"})])
    assert [r["status"] for r in res] == ["rejected"] * 3
    assert {r["errors"][0]["code"] for r in res} == {"forbidden_village"}
    # in a batch: a record of A's village pointing at B's household or person
    _, mine = a.person(hid)
    visit = change("visit", new_id(), {"village_code": a.village, "person_id": pid, "visited_on": "2025-01-02",
                                       "method": "电话"})
    res = a.push([mine, visit])
    assert [r["status"] for r in res] == ["rejected", "rejected"]
    assert res[0]["errors"][0]["field"] == "household_id"
    # in a pull: nothing of B's
    assert all(c["fields"]["village_code"] == a.village for c in a.pull_all())
    assert {c["id"] for c in b.pull_all()} == {hid, pid}
    after = server.record("person", pid)
    assert (after.revision, after.fields, after.deleted) == (before.revision, before.fields, before.deleted)
    assert server.count(village_code=a.village) == 0


def test_batch_ids_are_not_shared_between_devices(server: ServerEnv) -> None:
    a, b = server.enroll(), server.enroll()
    batch_id = str(uuid.uuid4())
    _, hh = a.household()
    a.push([hh], batch_id)
    _, hh_b = b.household()
    r = b.push_raw(b.batch([hh_b], batch_id))
    assert r.status_code == 409 and r.json()["code"] == "batch_id_reused"
    assert server.count(village_code=b.village) == 0
