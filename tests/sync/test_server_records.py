"""Per-field revisions kept compactly: one ``"*"`` mark for the fields a record was created
with, own entries for fields written later."""

from __future__ import annotations

from sync.server.records import ALL_FIELDS, RecordState, set_fields
from tests.sync.conftest import ServerEnv, change


def test_the_creation_mark_covers_only_the_fields_present_and_later_writes_override_it() -> None:
    state = RecordState("household", "r", "510185001001", revision=1, fields={"address": "一号", "phone": None},
                        field_revs={ALL_FIELDS: [1, 5]})
    assert state.revs() == {"address": [1, 5], "phone": [1, 5]}
    state.revision = 2
    set_fields(state, {"address": "二号", "note": None, "group_no": 3}, ["address", "group_no"], 9)
    assert state.revs() == {"address": [2, 9], "phone": [1, 5], "note": [0, 0], "group_no": [2, 9]}
    assert state.field_revs[ALL_FIELDS] == [1, 5]


def test_records_stored_with_one_entry_per_field_read_as_before() -> None:
    revs = {"address": [3, 2], "deleted": [2, 1]}
    state = RecordState("household", "r", "510185001001", revision=3, fields={"address": "一号", "note": "x"},
                        field_revs=revs)
    assert state.revs() == revs


def test_fields_written_at_creation_conflict_with_a_device_that_never_saw_them(server: ServerEnv) -> None:
    a = server.enroll()
    b = server.enroll(a.village, http=server.client())
    hid, hh = a.household(phone="13800000001")
    assert a.push([hh])[0]["status"] == "applied"
    res = b.push([change("household", hid, {"phone": "13800000002", "note": "乙补充"}, base=0)])[0]
    assert res["status"] == "conflict"
    assert res["conflicts"] == [{"field": "phone", "server_value": "13800000001", "client_value": "13800000002"}]
    assert server.record("household", hid).fields["note"] == "乙补充"
    assert server.record("household", hid).field_revs[ALL_FIELDS] == [1, server.scalar(
        "SELECT no FROM devices WHERE id = :d", d=a.device_id)]
    a.http.close()
    b.http.close()
