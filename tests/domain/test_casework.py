"""Workflow rules: allowed moves, preconditions with messages at the field, time limits."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from jydesk.domain.casework import (
    CaseFacts,
    DeadlineState,
    TransitionRefused,
    allowed_targets,
    deadline,
    deadline_state,
    deadline_text,
    plan_transition,
    publicity_days,
    reachable_targets,
)
from jydesk.domain.entities import CaseStatus as S
from jydesk.domain.forms import FormDefinition, get_definition
from jydesk.domain.workdays import CalendarDay, WorkCalendar

ADULT_ID = "11010519491231002X"
CHILD_ID = "51018520150315001X"


@pytest.fixture(scope="module")
def dibao() -> FormDefinition:
    return get_definition("dibao")


def complete_values(**extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "applied_on": "2025-03-03", "applicant_name": "张三", "applicant_id_number": ADULT_ID,
        "current_address": "幸福路12号", "residence": "农村",
        "members": [{"name": "张三", "relation": "本人", "id_number": ADULT_ID, "monthly_income": "300.00"}],
        "poverty_causes": ["因病"], "reason": "患重病，无力劳动。", "application_scope": "整户", "close_relative": "否",
    }
    values.update(extra)
    return values


def facts(status: S, values: dict[str, Any] | None = None, **dates: date) -> CaseFacts:
    v = complete_values() if values is None else values
    return CaseFacts("dibao", status, v, applied_on=date(2025, 3, 3), **dates)


def fields_of(exc: pytest.ExceptionInfo[TransitionRefused]) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_accept_requires_a_valid_form(dibao: FormDefinition) -> None:
    values = complete_values()
    del values["reason"]
    with pytest.raises(TransitionRefused) as exc:
        plan_transition(facts(S.DRAFT, values), S.ACCEPTED, dibao, date(2025, 3, 4))
    assert "reason" in fields_of(exc)
    t = plan_transition(facts(S.DRAFT), S.ACCEPTED, dibao, date(2025, 3, 4))
    assert t.columns == {"accepted_on": date(2025, 3, 4)}


def test_two_investigators_before_initial_review(dibao: FormDefinition) -> None:
    values = complete_values(investigator_1="王五", investigated_on="2025-03-05")
    with pytest.raises(TransitionRefused) as exc:
        plan_transition(facts(S.INVESTIGATING, values), S.PUBLICITY, dibao, date(2025, 3, 6))
    assert "investigator_2" in fields_of(exc)
    assert any("两名" in e.message for e in exc.value.errors)
    same = complete_values(investigator_1="王五", investigator_2="王五", investigated_on="2025-03-05")
    with pytest.raises(TransitionRefused) as exc:
        plan_transition(facts(S.INVESTIGATING, same), S.PUBLICITY, dibao, date(2025, 3, 6))
    assert "同一人" in str(exc.value)


def test_publicity_sets_seven_day_window(dibao: FormDefinition) -> None:
    values = complete_values(investigator_1="王五", investigator_2="赵六", investigated_on="2025-03-05")
    t = plan_transition(facts(S.INVESTIGATING, values), S.PUBLICITY, dibao, date(2025, 3, 6))
    assert t.columns == {"publicity_start": date(2025, 3, 6), "publicity_end": date(2025, 3, 12)}
    assert t.values == {"publicity_start": "2025-03-06", "publicity_end": "2025-03-12"}


def test_submit_after_publicity_needs_end_and_objection(dibao: FormDefinition) -> None:
    values = complete_values(investigator_1="王五", investigator_2="赵六", investigated_on="2025-03-05",
                             publicity_start="2025-03-06", publicity_end="2025-03-12")
    f = facts(S.PUBLICITY, values, publicity_start=date(2025, 3, 6), publicity_end=date(2025, 3, 12))
    with pytest.raises(TransitionRefused) as exc:
        plan_transition(f, S.SUBMITTED, dibao, date(2025, 3, 12))
    assert {"publicity_end", "publicity_objection"} <= fields_of(exc)
    values["publicity_objection"] = "有异议"
    with pytest.raises(TransitionRefused) as exc:
        plan_transition(f, S.SUBMITTED, dibao, date(2025, 3, 13))
    assert "objection_handling" in fields_of(exc)
    values["objection_handling"] = "经复核，异议不成立"
    t = plan_transition(f, S.SUBMITTED, dibao, date(2025, 3, 13))
    assert t.columns == {"submitted_on": date(2025, 3, 13)}


def test_minor_applicant_is_publicised_where_the_rules_have_no_exemption(dibao: FormDefinition) -> None:
    """RULES-2021: no 公示 exemption for minors in the 2021 低保/特困 rules (only 事实无人抚养儿童)."""
    values = complete_values(applicant_id_number=CHILD_ID, investigator_1="王五", investigator_2="赵六",
                             investigated_on="2025-03-05")
    values["members"] = [{"name": "张小", "relation": "本人", "id_number": CHILD_ID, "monthly_income": "0"}]
    assert publicity_days("dibao", 7, values, date(2025, 3, 3)) == 7
    assert publicity_days("tekun", 7, values, date(2025, 3, 3)) == 7
    f = facts(S.INVESTIGATING, values)
    assert allowed_targets(f, 7)[0] is S.PUBLICITY
    assert S.SUBMITTED not in allowed_targets(f, 7)
    assert allowed_targets(f, 0) == [S.SUBMITTED, S.TERMINATED, S.WITHDRAWN]


def test_wuren_is_never_publicised() -> None:
    assert publicity_days("wuren", 7, complete_values(), date(2025, 3, 3)) == 0
    assert publicity_days("dibao", 7, complete_values(), date(2025, 3, 3)) == 7
    assert publicity_days("gaoling", 5, complete_values(), date(2025, 3, 3)) == 5


def test_server_statuses_and_skips_are_refused(dibao: FormDefinition) -> None:
    for target in (S.APPROVED, S.REVIEWING, S.REFUSED, S.RETURNED):
        with pytest.raises(TransitionRefused) as exc:
            plan_transition(facts(S.SUBMITTED), target, dibao, date(2025, 3, 20))
        assert "审核人员" in str(exc.value)
    with pytest.raises(TransitionRefused) as exc:
        plan_transition(facts(S.DRAFT), S.SUBMITTED, dibao, date(2025, 3, 4))
    assert "已受理" in str(exc.value)
    assert allowed_targets(facts(S.SUBMITTED), 7) == []
    assert allowed_targets(facts(S.RETURNED), 7) == [S.INVESTIGATING, S.SUBMITTED, S.TERMINATED, S.WITHDRAWN]


def test_initial_review_deadline_and_warning_states() -> None:
    cal = WorkCalendar([CalendarDay(date(2025, 3, 12), "假日")])
    f = facts(S.ACCEPTED, accepted_on=date(2025, 3, 5))
    dl = deadline(f, cal)
    assert dl is not None and dl.label == "初审" and dl.due == date(2025, 3, 20)
    assert deadline_state(dl.due, date(2025, 3, 10), cal) is DeadlineState.OK
    assert deadline_state(dl.due, date(2025, 3, 17), cal) is DeadlineState.DUE_SOON
    assert deadline_state(dl.due, date(2025, 3, 20), cal) is DeadlineState.DUE_SOON
    assert deadline_state(dl.due, date(2025, 3, 21), cal) is DeadlineState.OVERDUE
    assert "已超期" in deadline_text(dl, date(2025, 3, 24), cal)
    assert "剩 3 个工作日" in deadline_text(dl, date(2025, 3, 17), cal)
    # After 上报 the 30-working-day overall limit runs; no limit is known for 高龄津贴.
    sub = facts(S.SUBMITTED, accepted_on=date(2025, 3, 5), submitted_on=date(2025, 3, 19))
    assert deadline(sub, cal).label == "审核确认"  # type: ignore[union-attr]
    assert deadline(CaseFacts("gaoling", S.ACCEPTED, accepted_on=date(2025, 3, 5)), cal) is None
    assert deadline(facts(S.DRAFT), cal) is None


def test_reachable_targets_cover_offline_multi_step_moves() -> None:
    out = {S.NOT_ACCEPTED, S.TERMINATED, S.WITHDRAWN}
    assert set(reachable_targets(facts(S.DRAFT), 7)) == {S.ACCEPTED, S.INVESTIGATING, S.PUBLICITY, S.SUBMITTED, *out}
    assert set(reachable_targets(facts(S.DRAFT), 0)) == {S.ACCEPTED, S.INVESTIGATING, S.SUBMITTED, *out}
    assert set(reachable_targets(facts(S.RETURNED), 7)) == {S.INVESTIGATING, S.PUBLICITY, S.SUBMITTED,
                                                            S.TERMINATED, S.WITHDRAWN}
    assert reachable_targets(facts(S.SUBMITTED), 7) == []
