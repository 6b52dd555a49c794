"""After approval, end to end over a real loopback server (SQLite and PostgreSQL): an approved
case enters the register, its review is due, a review and a proof of life are recorded, a
reduction the server approves comes back, a death proposes stopping every benefit, and the
register's totals match the approved decisions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete

from jydesk.domain import benefits as b
from jydesk.printing.recipients import render_roll
from jydesk.store import Actor
from jydesk.store.models import BenefitChange, Recipient, Review
from jydesk.store.recipients.changes import changes_of, propose_change, record_life_event
from jydesk.store.recipients.register import RegisterListing, import_recipient, totals
from jydesk.store.recipients.reviews import record_review, reviews_due
from jydesk.store.recipients.roll import paid_rows
from sync.server.benefit_review import recipient_id
from sync.server.models import ReferenceSetting
from tests.printing.pdf_text import compact_text
from tests.sync.client_helpers import new_device
from tests.sync.conftest import ServerEnv
from tests.sync.test_server_review import reviewer, submitted_case

CLERK = Actor("clerk-1", "李专干")


def _approve(server: ServerEnv, village: str, cid: str, amount: str, month: str) -> None:
    with closing(reviewer(server, village[:9])) as http:
        r = http.post(f"/api/v1/review/cases/{cid}/decision",
                      json={"decision": "批准", "amount": amount, "start_month": month})
        assert r.status_code == 200, r.text


def test_register_reviews_changes_and_death_end_to_end(server: ServerEnv, device, tmp_path: Path) -> None:
    cid = submitted_case(server, device)
    _approve(server, device.village, cid, "850.00", "2025-04")
    clerk = new_device(server, tmp_path / "a", device.village)
    clerk.sync()
    rid = recipient_id(cid)
    row = clerk.get(Recipient, rid)
    assert (row.benefit, row.status, row.amount, row.start_month, row.source) == ("dibao", "在保", Decimal("850.00"),
                                                                                   "2025-04", "审批")
    today = date.today()
    # never reviewed since 2025-04: due (overdue) now
    due = {d.recipient_id: d for d in reviews_due(clerk.store, today=today)}
    assert due[rid].state in (b.DueState.DUE, b.DueState.OVERDUE) and due[rid].kind == "复核"
    record_review(clerk.store, CLERK, rid, "复核", {"outcome": "建议变更", "suggestion": "收入增加，建议减发"})
    # a proof of life of an imported 高龄津贴 recipient of the same household
    old = import_recipient(clerk.store, CLERK, person_id=row.person_id, benefit="gaoling", amount="100",
                           start_month="2024-01")
    record_review(clerk.store, CLERK, old, "生存认证", {"method": "视频"})
    assert rid not in {d.recipient_id for d in reviews_due(clerk.store, today=today)}
    change_id = propose_change(clerk.store, CLERK, rid, "减发", "子女务工收入增加", source="复核",
                               proposed_amount="500.00")
    clerk.sync()
    assert clerk.outbox_count() == 0, _debug_rejected(clerk)
    with closing(reviewer(server, device.village[:9])) as http:
        listed = http.get("/api/v1/review/changes", params={"village": device.village}).json()
        assert [c["change"]["id"] for c in listed["changes"]] == [change_id]
        assert listed["changes"][0]["recipient"]["fields"]["amount"] == "850.00"
        bad = http.post(f"/api/v1/review/changes/{change_id}/decision", json={"decision": "批准"})
        assert bad.status_code == 422 and bad.json()["field"] == "effective_month"
        r = http.post(f"/api/v1/review/changes/{change_id}/decision",
                      json={"decision": "批准", "effective_month": "2026-01"})
        assert r.status_code == 200, r.text
        assert r.json()["recipient"]["fields"]["amount"] == "500.00"
        again = http.post(f"/api/v1/review/changes/{change_id}/decision", json={"decision": "不予批准", "reason": "x"})
        assert again.status_code == 409
    clerk.sync()
    assert clerk.get(Recipient, rid).amount == Decimal("500.00")
    decided = clerk.get(BenefitChange, change_id)
    assert (decided.decision, decided.effective_month) == ("批准", "2026-01")
    roll = compact_text(render_roll(paid_rows(clerk.store, b.month_of(today)), b.month_of(today), village_name="幸福村"))
    assert "500.00" in roll and "850.00" not in roll  # the printed 花名册 follows the decision
    t = totals(clerk.store, month=b.month_of(today))
    assert t.amount == Decimal("600.00") and t.households == 1
    assert {k[0]: v[2] for k, v in t.by.items()} == {"dibao": Decimal("500.00"), "gaoling": Decimal("100.00")}
    # the village cannot set server-owned register fields
    other = new_device(server, tmp_path / "b", device.village)
    other.sync()
    assert other.get(Recipient, rid).amount == Decimal("500.00")
    assert other.get(Review, next(iter(_reviews(other, old)))).data["method"] == "视频"
    other.close()
    # a death: every benefit of the person proposed for stopping, shown on the register until decided
    result = record_life_event(clerk.store, CLERK, row.person_id, "死亡", today.isoformat(), "家属告知")
    assert len(result.proposed) == 2 and result.household_closed
    assert {r.pending for r in RegisterListing(clerk.store).page(0, 10)} == {"停发"}
    clerk.sync()
    assert clerk.outbox_count() == 0, _debug_rejected(clerk)
    with closing(reviewer(server, device.village[:9])) as http:
        pending = http.get("/api/v1/review/changes", params={"village": device.village}).json()["changes"]
        assert {c["change"]["fields"]["kind"] for c in pending} == {"停发"} and len(pending) == 2
        for c in pending:
            r = http.post(f"/api/v1/review/changes/{c['change']['id']}/decision",
                          json={"decision": "批准", "effective_month": b.month_of(today)})
            assert r.status_code == 200, r.text
    clerk.sync()
    assert {clerk.get(Recipient, x).status for x in (rid, old)} == {"停保"}
    assert totals(clerk.store, month=b.month_of(today)).amount == Decimal("0")
    assert paid_rows(clerk.store, b.month_of(today)) == []
    assert [c.state for c in changes_of(clerk.store, pending_only=True)] == []
    clerk.close()


def _reviews(device, recipient: str) -> list[str]:
    from sqlalchemy import select

    with device.store.read() as s:
        return list(s.execute(select(Review.id).where(Review.recipient_id == recipient)).scalars())


def test_server_refuses_bad_changes_with_the_clients_rules(server: ServerEnv, device, tmp_path: Path) -> None:
    cid = submitted_case(server, device)
    _approve(server, device.village, cid, "850.00", "2025-04")
    rid = recipient_id(cid)
    pulled = {c["id"]: c for c in device.pull_all()}
    assert pulled[rid]["fields"]["status"] == "在保"
    from tests.sync.conftest import change

    res = device.push([
        change("benefit_change", "01900000-0000-7000-8000-00000000c001",
               {"village_code": device.village, "recipient_id": rid, "kind": "增发", "reason": "物价上涨",
                "status_before": "在保", "amount_before": "850.00", "proposed_amount": "800.00",
                "proposed_on": "2026-01-05"}),
        change("benefit_change", "01900000-0000-7000-8000-00000000c002",
               {"village_code": device.village, "recipient_id": rid, "kind": "停发", "reason": "收入超标",
                "status_before": "在保", "taper_months": 13, "proposed_on": "2026-01-05"}),
        change("recipient", rid, {"amount": "9999.00"}, base=pulled[rid]["revision"]),
        change("review", "01900000-0000-7000-8000-00000000c003",
               {"village_code": device.village, "recipient_id": rid, "kind": "生存认证", "form_code": "proof",
                "reviewed_on": "2026-01-05", "data.method": "微信", "data.person_name": "张三",
                "data.benefit_name": "低保", "data.reviewers": "李", "data.outcome": "无变化", "outcome": "无变化"}),
    ])
    assert [r["status"] for r in res] == ["rejected"] * 4, res
    assert res[0]["errors"][0]["field"] == "proposed_amount"
    assert res[1]["errors"][0]["field"] == "taper_months"
    assert res[2]["errors"][0]["code"] == "server_owned"
    assert res[3]["errors"][0]["field"] == "data.method"


def _debug_rejected(device) -> list:
    from sqlalchemy import select

    from jydesk.store.models import OutboxEntry

    with device.store.read() as s:
        return [(o.entity, o.fields, o.error) for o in s.execute(select(OutboxEntry)).scalars()]


@pytest.fixture
def _forget_settings(server: ServerEnv) -> Iterator[None]:
    """The server database is shared by the session's tests: city-wide settings left behind would
    reach the villages other tests enrol later."""
    yield
    with server.db.write() as conn:
        conn.execute(delete(ReferenceSetting))


@pytest.mark.usefixtures("_forget_settings")
def test_review_intervals_are_reference_data_from_the_city(server: ServerEnv, device, tmp_path: Path) -> None:

    from sync.server.errors import ServiceError
    from sync.server.reference import set_setting

    clerk = new_device(server, tmp_path / "c", device.village)
    hid = clerk.add_household()
    pid = clerk.add_person(hid, name="高寿")
    today = date.today()
    started = b.month_of(b.add_months(today, -7))
    rid = import_recipient(clerk.store, CLERK, person_id=pid, benefit="gaoling", amount="100", start_month=started)
    assert rid not in {d.recipient_id for d in reviews_due(clerk.store, today=today)}  # yearly by default
    set_setting(server.db, "benefit_rule", "gaoling", {"review_months": 6, "review_kind": "生存认证"})
    set_setting(server.db, "benefit_rule", "taper", {"max_months": 6})
    with pytest.raises(ServiceError, match="渐退期最长月数"):
        set_setting(server.db, "benefit_rule", "taper", {"max_months": 0})
    with pytest.raises(ServiceError, match="复核规则的键"):
        set_setting(server.db, "benefit_rule", "linshi", {"review_months": 6})
    clerk.sync()
    due = {d.recipient_id: d for d in reviews_due(clerk.store, today=today)}
    assert due[rid].state is b.DueState.OVERDUE and due[rid].interval_months == 6
    from jydesk.domain.errors import ValidationError

    with pytest.raises(ValidationError, match="渐退期应为 1 到 6 个月"):
        propose_change(clerk.store, CLERK, rid, "停发", "收入超标", taper_months=7)
    cid = propose_change(clerk.store, CLERK, rid, "停发", "收入超标", taper_months=6)
    clerk.sync()
    set_setting(server.db, "benefit_rule", "taper", {"max_months": 3})  # the city shortens it meanwhile
    with closing(reviewer(server, device.village[:9])) as http:
        month = b.month_of(today)
        r = http.post(f"/api/v1/review/changes/{cid}/decision", json={"decision": "批准", "effective_month": month})
        assert r.status_code == 422 and r.json()["field"] == "taper_months"
        set_setting(server.db, "benefit_rule", "taper", {"max_months": 12})
        r = http.post(f"/api/v1/review/changes/{cid}/decision", json={"decision": "批准", "effective_month": month})
        assert r.status_code == 200, r.text
        end = b.month_of(b.add_months(b.month_start(month), 5))
        assert (r.json()["recipient"]["fields"]["status"], r.json()["recipient"]["fields"]["taper_end_month"]) == (
            "渐退", end)
    clerk.sync()
    row = clerk.get(Recipient, rid)
    assert (row.status, row.taper_end_month) == ("渐退", end)
    assert b.status_in(row.status, row.taper_end_month, b.month_of(b.add_months(today, 6))) == "停保"
    clerk.close()
