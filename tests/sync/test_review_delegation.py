"""Who decides on the server follows the town's setting: in a town the county has delegated
审核确认 to (低保 and 特困 only), a town reviewer confirms and fills the confirming fields, the
county keeps the 备案 block and sees the decision marked as made under delegation; elsewhere a
town reviewer fills town fields only (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest
from sqlalchemy import delete, update

from sync.server.models import Record, ReferenceSetting
from sync.server.reference import set_approval
from sync.server.review import DELEGATED_NOTE
from tests.sync.conftest import ServerEnv
from tests.sync.test_server_review import reviewer, submitted_case


@pytest.fixture(autouse=True)
def _forget_settings(server: ServerEnv) -> Iterator[None]:
    yield
    with server.db.write() as conn:
        conn.execute(delete(ReferenceSetting))


def _approve(values: dict) -> dict:
    return {"decision": "批准", "amount": "500", "start_month": "2025-04", "values": values}


def test_town_not_delegated_fills_only_town_fields(server: ServerEnv, device) -> None:
    cid = submitted_case(server, device)
    with closing(reviewer(server, device.village[:9])) as http:
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json=_approve({"approved_persons": 1}))
        assert r.status_code == 422 and r.json()["field"] == "values.approved_persons", r.text
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json=_approve({"town_opinion": "属实"}))
        assert r.status_code == 200, r.text
    event = [c for c in device.pull_all() if c["entity"] == "case_event"][-1]["fields"]
    assert event["actor"] == "周审核（乡镇审核）" and DELEGATED_NOTE not in event["note"]


def test_delegated_town_confirms_and_the_county_keeps_the_record(server: ServerEnv, device) -> None:
    set_approval(server.db, device.village[:9], "乡镇")
    cid = submitted_case(server, device)
    with closing(reviewer(server, device.village[:9])) as http:
        # the 备案 block stays the county's
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json=_approve({"county_opinion": "同意"}))
        assert r.status_code == 422 and r.json()["field"] == "values.county_opinion", r.text
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json=_approve({
            "town_opinion": "经审核确认，同意纳入低保", "town_opinion_on": "2025-03-20",
            "approved_persons": 1, "approved_category": "一类"}))
        assert r.status_code == 200, r.text
    pulled = {c["id"]: c for c in device.pull_all()}
    case = pulled[cid]["fields"]
    assert case["status"] == "已批准" and case["decision_amount"] == "500.00"
    assert case["data.approved_persons"] == 1 and case["data.approved_category"] == "一类"
    event = [c for c in pulled.values() if c["entity"] == "case_event"][-1]["fields"]
    assert event["actor"] == "周审核（乡镇审核确认，县级备案）" and DELEGATED_NOTE in event["note"]
    # the county (city scope) sees the decision and how it was made
    with closing(reviewer(server, None)) as http:
        listed = http.get("/api/v1/review/cases", params={"status": "已批准"}).json()
        assert cid in [c["id"] for c in listed["cases"]]
        detail = http.get(f"/api/v1/review/cases/{cid}").json()
        assert DELEGATED_NOTE in detail["events"][-1]["fields"]["note"]


def test_delegation_does_not_reach_forms_the_rules_do_not_delegate(server: ServerEnv, device) -> None:
    set_approval(server.db, device.village[:9], "乡镇")
    cid = submitted_case(server, device)
    with server.db.write() as conn:  # the same case as if it were a form without delegation
        t = Record.__table__.c
        row = conn.execute(Record.__table__.select().where(t.id == cid, t.entity == "case")).first()
        conn.execute(update(Record).where(t.id == cid, t.entity == "case").values(
            fields={**row.fields, "form_code": "linshi"}))
    with closing(reviewer(server, device.village[:9])) as http:
        r = http.post(f"/api/v1/review/cases/{cid}/decision", json={"decision": "不予批准", "reason": "不符合"})
        assert r.status_code == 200, r.text
        detail = http.get(f"/api/v1/review/cases/{cid}").json()
        assert detail["events"][-1]["fields"]["actor"] == "周审核（乡镇审核）"
        assert DELEGATED_NOTE not in detail["events"][-1]["fields"]["note"]
