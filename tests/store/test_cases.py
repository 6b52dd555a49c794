"""Case services over a real SQLite store: create, save drafts, transitions, lists, holidays."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from jydesk.domain.casework import DeadlineState, TransitionRefused
from jydesk.domain.entities import CaseStatus as S
from jydesk.domain.errors import ValidationError
from jydesk.domain.workdays import shipped_holidays
from jydesk.store import Actor, Store
from jydesk.store import cases as svc
from jydesk.store.models import AuditEntry, Case, CaseEvent, Household, OutboxEntry, Person

HEAD_ID = "11010519491231002X"
WIFE_ID = "440524188001010014"


def add_household(store: Store, clerk: Actor, group: int = 3) -> tuple[str, str]:
    with store.write(clerk) as w:
        hh = w.add(Household(address="幸福路12号", group_no=group, residence="农村", phone="13800000000"))
        head = w.add(Person(household_id=hh.id, name="张三", id_number=HEAD_ID, relation="本人",
                            health="重病", monthly_income=Decimal("300"), care_flags=[]))
        w.add(Person(household_id=hh.id, name="李四", id_number=WIFE_ID, relation="配偶",
                     monthly_income=Decimal("500"), care_flags=[]))
        return hh.id, head.id


def new_dibao(store: Store, clerk: Actor) -> str:
    hh, head = add_household(store, clerk)
    return svc.create_case(store, clerk, "dibao", household_id=hh, applicant_id=head, today=date(2025, 3, 3))


def test_create_prefills_from_the_registry(store: Store, clerk: Actor) -> None:
    cid = new_dibao(store, clerk)
    case = svc.load_case(store, cid)
    assert case.status is S.DRAFT
    v = case.values
    assert v["applicant_name"] == "张三" and v["applicant_id_number"] == HEAD_ID
    assert v["current_address"] == "幸福路12号" and v["residence"] == "农村"
    assert [m["name"] for m in v["members"]] == ["张三", "李四"]
    assert v["family_income"] == "800.00" and v["per_capita_income"] == "400.00"
    assert v["village_name"] == "安象街社区" and case.applied_on == date(2025, 3, 3)
    assert [e.to_status for e in case.events] == ["草稿"]
    with store.read() as s:
        kinds = s.execute(select(OutboxEntry.entity).where(OutboxEntry.record_id == cid)).scalars().all()
    assert kinds == ["case"]


def test_save_keeps_good_values_and_reports_bad_ones(store: Store, clerk: Actor) -> None:
    cid = new_dibao(store, clerk)
    values = dict(svc.load_case(store, cid).values)
    values["reason"] = "患重病"
    values["applicant_phone"] = "12345"  # not a phone number
    values["members"] = [*values["members"], {"name": "张小", "relation": "子", "id_number": "123",
                                              "monthly_income": "abc"}]
    errors = svc.save_values(store, clerk, cid, values)
    assert {e.field for e in errors} == {"applicant_phone", "members[2].id_number", "members[2].monthly_income"}
    saved = svc.load_case(store, cid).values
    assert saved["reason"] == "患重病"
    assert saved["applicant_phone"] == "13800000000"  # the bad input did not overwrite the good value
    assert saved["members"][2]["name"] == "张小" and saved["members"][2].get("id_number") is None
    assert saved["household_size"] == 3


def test_reviewer_fields_are_never_written_by_the_village(store: Store, clerk: Actor) -> None:
    cid = new_dibao(store, clerk)
    values = {**svc.load_case(store, cid).values, "approved_standard": "950", "town_opinion": "同意"}
    svc.save_values(store, clerk, cid, values)
    saved = svc.load_case(store, cid).values
    assert "approved_standard" not in saved and "town_opinion" not in saved


def complete(store: Store, clerk: Actor, cid: str, **extra: str) -> None:
    values = {**svc.load_case(store, cid).values, "poverty_causes": ["因病"], "reason": "户主患重病。",
              "application_scope": "整户", "close_relative": "否", **extra}
    assert svc.save_values(store, clerk, cid, values) == []


def test_workflow_through_acceptance_and_investigation(store: Store, clerk: Actor) -> None:
    cid = new_dibao(store, clerk)
    with pytest.raises(TransitionRefused) as exc:
        svc.transition(store, clerk, cid, S.ACCEPTED, on=date(2025, 3, 4))
    assert "reason" in {e.field for e in exc.value.errors}
    assert svc.load_case(store, cid).status is S.DRAFT
    complete(store, clerk, cid)
    case = svc.transition(store, clerk, cid, S.ACCEPTED, on=date(2025, 3, 4))
    assert case.status is S.ACCEPTED and case.accepted_on == date(2025, 3, 4)
    assert "适用低保标准 950" in (case.events[-1].note or "")
    assert case.events[-1].actor == "李专干"
    case = svc.transition(store, clerk, cid, S.INVESTIGATING, on=date(2025, 3, 5))
    with pytest.raises(TransitionRefused) as exc:
        svc.transition(store, clerk, cid, S.PUBLICITY, on=date(2025, 3, 6))
    assert {"investigator_1", "investigator_2"} <= {e.field for e in exc.value.errors}
    complete(store, clerk, cid, investigator_1="王五", investigator_2="赵六", investigated_on="2025-03-05")
    case = svc.transition(store, clerk, cid, S.PUBLICITY, on=date(2025, 3, 6))
    assert (case.publicity_start, case.publicity_end) == (date(2025, 3, 6), date(2025, 3, 12))
    assert case.values["publicity_end"] == "2025-03-12"
    complete(store, clerk, cid, investigator_1="王五", investigator_2="赵六", investigated_on="2025-03-05",
             publicity_objection="无异议")
    case = svc.transition(store, clerk, cid, S.SUBMITTED, on=date(2025, 3, 13))
    assert case.status is S.SUBMITTED and case.submitted_on == date(2025, 3, 13)
    assert [e.to_status for e in case.events] == ["草稿", "已受理", "入户调查", "公示", "已上报"]
    with pytest.raises(ValidationError):
        svc.save_values(store, clerk, cid, case.values)
    with store.read() as s:
        events = s.execute(select(OutboxEntry).where(OutboxEntry.entity == "case_event")).scalars().all()
        audits = s.execute(select(AuditEntry).where(AuditEntry.record_id == cid)).scalars().all()
    assert len(events) == 5
    assert any(a.changes and "status" in a.changes for a in audits)


def test_list_filters_counts_and_deadlines(store: Store, clerk: Actor) -> None:
    cid = new_dibao(store, clerk)
    complete(store, clerk, cid)
    svc.transition(store, clerk, cid, S.ACCEPTED, on=date(2025, 3, 5))
    hh, head = add_household_2(store, clerk)
    other = svc.create_case(store, clerk, "dibao", household_id=hh, applicant_id=head, today=date(2025, 3, 3))
    svc.set_holiday(store, clerk, date(2025, 3, 12), "测试假日")
    rows = svc.list_cases(store, today=date(2025, 3, 17))
    assert [r.id for r in rows] == [other, cid]
    accepted = rows[1]
    assert accepted.deadline is not None and accepted.deadline.due == date(2025, 3, 20)
    assert accepted.deadline_state is DeadlineState.DUE_SOON and "剩 3 个工作日" in accepted.deadline_text
    overdue = svc.list_cases(store, svc.CaseQuery(deadline_state=DeadlineState.OVERDUE), today=date(2025, 3, 21))
    assert [r.id for r in overdue] == [cid]
    assert [r.id for r in svc.list_cases(store, svc.CaseQuery(group_no=5))] == [other]
    assert [r.id for r in svc.list_cases(store, svc.CaseQuery(status="草稿"))] == [other]
    assert [r.id for r in svc.list_cases(store, svc.CaseQuery(text="王"))] == [other]
    counts = svc.status_counts(store)
    assert counts["草稿"] == 1 and counts["已受理"] == 1 and counts["公示"] == 0
    assert svc.status_counts(store, svc.CaseQuery(group_no=3))["草稿"] == 0
    assert svc.group_numbers(store) == [3, 5]


def add_household_2(store: Store, clerk: Actor) -> tuple[str, str]:
    with store.write(clerk) as w:
        hh = w.add(Household(address="人民路3号", group_no=5, residence="农村"))
        head = w.add(Person(household_id=hh.id, name="王五", id_number="510185194503150025", relation="本人",
                            care_flags=[]))
        return hh.id, head.id


def test_discard_only_drafts(store: Store, clerk: Actor) -> None:
    cid = new_dibao(store, clerk)
    svc.discard_case(store, clerk, cid)
    assert svc.list_cases(store) == []
    with store.read() as s:
        assert s.get(Case, cid).deleted  # type: ignore[union-attr]


def test_holidays_seed_and_edit(store: Store, clerk: Actor) -> None:
    added = svc.seed_holidays(store, clerk)
    assert added == len(shipped_holidays())  # every shipped row (2025 and 2026)
    assert svc.seed_holidays(store, clerk) == 0
    svc.remove_holiday(store, clerk, date(2026, 10, 5))
    assert svc.seed_holidays(store, clerk) == 0  # a removed day is not put back
    cal = svc.work_calendar(store)
    assert cal.is_working_day(date(2026, 10, 5)) and not cal.is_working_day(date(2026, 10, 6))
    assert cal.is_working_day(date(2026, 10, 10))
    with pytest.raises(ValidationError) as exc:
        svc.set_holiday(store, clerk, date(2026, 3, 2), "调休", working=True)
    assert exc.value.errors[0].field == "working"
    with pytest.raises(ValidationError):
        svc.set_holiday(store, clerk, date(2026, 3, 3), " ")
    with store.read() as s:
        assert s.execute(select(AuditEntry).where(AuditEntry.action == "holiday")).scalars().first() is not None


def test_standard_follows_area_and_date(store: Store) -> None:
    assert svc.case_standard(store, "dibao", date(2024, 6, 1)).amount == Decimal("860")  # type: ignore[union-attr]
    assert svc.case_standard(store, "dibao", date(2025, 6, 1)).amount == Decimal("950")  # type: ignore[union-attr]
    assert svc.case_standard(store, "linshi", date(2025, 6, 1)) is None


def test_print_is_audited(store: Store, clerk: Actor) -> None:
    cid = new_dibao(store, clerk)
    svc.record_print(store, clerk, "打印“最低生活保障申请审批表”", [cid], pages=2, target="HP LaserJet")
    with store.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "print")).scalar_one()
        assert entry.record_id == cid and "2页" in (entry.detail or "")
        assert s.execute(select(CaseEvent).where(CaseEvent.case_id == cid)).scalars().all()
