"""Who confirms (per-town setting), the ways back (objection after 公示) and out (不予受理 /
终止 / 撤回), and the extension of the 低保 limit — RULES-2021 §1–§2."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from jydesk.domain import approval
from jydesk.domain.approval import ApprovalLevel
from jydesk.domain.casework import (
    OBJECTION_HANDLING,
    PUBLICITY_OBJECTION,
    CaseFacts,
    DeadlineState,
    TransitionRefused,
    allowed_targets,
    check_extension,
    deadline,
    deadline_state,
    deadline_text,
    plan_transition,
)
from jydesk.domain.entities import CaseStatus as S
from jydesk.domain.forms import get_definition
from jydesk.domain.workdays import WorkCalendar
from tests.domain.test_casework import complete_values

CAL = WorkCalendar([])
ON = date(2025, 3, 20)


def _facts(form: str, status: S, **kw: object) -> CaseFacts:
    values = complete_values(investigator_1="王五", investigator_2="赵六", investigated_on="2025-03-05",
                             publicity_start="2025-03-06", publicity_end="2025-03-12")
    return CaseFacts(form, status, values, applied_on=date(2025, 3, 3), accepted_on=date(2025, 3, 3),
                     **kw)  # type: ignore[arg-type]


def test_level_parsing_and_delegable_forms() -> None:
    assert approval.parse_level("乡镇") is ApprovalLevel.TOWN
    assert approval.parse_level("县级") is ApprovalLevel.COUNTY
    with pytest.raises(ValueError, match="县级"):
        approval.parse_level("市级")
    assert approval.confirming_level("dibao", "乡镇") is ApprovalLevel.TOWN
    assert approval.confirming_level("tekun", ApprovalLevel.TOWN) is ApprovalLevel.TOWN
    # no delegation rule found for 临时救助 / 高龄津贴: the county stays the confirmer
    assert approval.confirming_level("gaoling", ApprovalLevel.TOWN) is ApprovalLevel.COUNTY
    assert approval.confirming_level("dibao", None) is ApprovalLevel.COUNTY
    assert approval.opinion_titles("dibao", ApprovalLevel.TOWN) == {
        "town_opinion": "乡镇（街道）审核确认意见", "county_opinion": "县级民政部门备案"}
    assert approval.opinion_titles("dibao", ApprovalLevel.COUNTY) == {}
    assert approval.town_of("510185001001") == "510185001"
    assert approval.reference_id("approval", "510185001", "510185001001") == approval.reference_id(
        "approval", "510185001", "510185001001")


def test_dibao_overall_limit_follows_who_confirms_and_the_extension() -> None:
    """办法 §22: 30 WD from 受理, 20 when the town confirms, up to 45 with an extension."""
    county = _facts("dibao", S.PUBLICITY)
    assert deadline(county, CAL).due == CAL.add_working_days(date(2025, 3, 3), 30)
    town = replace(county, approval=ApprovalLevel.TOWN)
    assert deadline(town, CAL).due == CAL.add_working_days(date(2025, 3, 3), 20)
    extended = replace(county, extension_days=15)
    assert deadline(extended, CAL).due == CAL.add_working_days(date(2025, 3, 3), 45)
    assert "第二十二条" in deadline(county, CAL).limit.source


def test_tekun_and_wuren_limits_follow_the_2021_rules() -> None:
    tekun = _facts("tekun", S.SUBMITTED, submitted_on=date(2025, 3, 20), received_on=date(2025, 3, 24))
    assert deadline(tekun, CAL).due == CAL.add_working_days(date(2025, 3, 24), 15)
    wuren = _facts("wuren", S.ACCEPTED)
    assert deadline(wuren, CAL).due == CAL.add_working_days(date(2025, 3, 3), 15)


@pytest.mark.parametrize("form", ["tekun", "wuren"])
def test_county_clock_of_tekun_and_wuren_starts_when_the_file_is_received(form: str) -> None:
    reported = _facts(form, S.SUBMITTED, submitted_on=date(2025, 3, 20))
    waiting = deadline(reported, CAL)
    assert waiting is not None and waiting.due is None and "收到" in waiting.limit.source
    assert deadline_text(waiting, date(2026, 1, 5), CAL) == f"{waiting.label} 待上级接收（时限未开始）"
    assert deadline_state(None, date(2026, 1, 5), CAL) is DeadlineState.NONE  # never 已超期 while waiting
    received = replace(reported, received_on=date(2025, 3, 27))
    assert deadline(received, CAL).due == CAL.add_working_days(date(2025, 3, 27), 15)
    # 低保's overall limit still runs from 受理, receipt or not
    dibao = _facts("dibao", S.SUBMITTED, submitted_on=date(2025, 3, 20), received_on=date(2025, 3, 27))
    assert deadline(dibao, CAL).due == CAL.add_working_days(date(2025, 3, 3), 30)


def test_extension_needs_a_reason_and_stays_within_the_rule() -> None:
    f = _facts("dibao", S.INVESTIGATING)
    note = check_extension(f, 15, "人户分离，调查难度大")
    assert "延长15个工作日" in note and "人户分离" in note
    with pytest.raises(TransitionRefused) as exc:
        check_extension(f, 10, " ")
    assert exc.value.errors[0].field == "extension_reason"
    with pytest.raises(TransitionRefused, match="1 至 5"):
        check_extension(replace(f, extension_days=10), 10, "异地申办")
    with pytest.raises(TransitionRefused, match="没有可延长"):
        check_extension(_facts("gaoling", S.INVESTIGATING), 5, "理由")


def test_ways_out_need_a_written_reason() -> None:
    dibao = get_definition("dibao")
    assert S.NOT_ACCEPTED in allowed_targets(_facts("dibao", S.DRAFT), 7)
    assert S.WITHDRAWN in allowed_targets(_facts("dibao", S.PUBLICITY), 7)
    assert allowed_targets(_facts("dibao", S.WITHDRAWN), 7) == []
    with pytest.raises(TransitionRefused) as exc:
        plan_transition(_facts("dibao", S.ACCEPTED), S.TERMINATED, dibao, ON)
    assert exc.value.errors[0].field == "reason"
    plan = plan_transition(_facts("dibao", S.ACCEPTED), S.TERMINATED, dibao, ON, "拒不配合入户调查")
    assert plan.target is S.TERMINATED and plan.columns == {"close_reason": "拒不配合入户调查"}
    with pytest.raises(TransitionRefused, match="只能转为"):  # only a draft is refused at intake (不予受理)
        plan_transition(_facts("dibao", S.ACCEPTED), S.NOT_ACCEPTED, dibao, ON, "材料不全")


def test_valid_objection_sends_tekun_back_to_investigation_and_a_new_publicity() -> None:
    tekun = get_definition("tekun")
    f = _facts("tekun", S.PUBLICITY, publicity_start=date(2025, 3, 6), publicity_end=date(2025, 3, 12))
    with pytest.raises(TransitionRefused, match="有异议"):
        plan_transition(f, S.INVESTIGATING, tekun, ON, "异议成立")
    objected = replace(f, values={**f.values, PUBLICITY_OBJECTION: "有异议"})
    plan = plan_transition(objected, S.INVESTIGATING, tekun, ON, "群众反映有赡养人")
    assert plan.columns == {"objection_rounds": 1, "publicity_start": None, "publicity_end": None}
    assert plan.values[PUBLICITY_OBJECTION] is None and plan.values[OBJECTION_HANDLING] == "群众反映有赡养人"
    back = CaseFacts("tekun", S.INVESTIGATING, {k: v for k, v in {**objected.values, **plan.values}.items()
                                                if v is not None},
                     applied_on=date(2025, 3, 3), objection_rounds=1)
    assert allowed_targets(back, 7)[:1] == [S.PUBLICITY] and S.SUBMITTED not in allowed_targets(back, 7)
    dibao_back = replace(back, form_code="dibao")  # the new 公示 window starts on the day it is posted
    again = plan_transition(dibao_back, S.PUBLICITY, get_definition("dibao"), date(2025, 3, 25))
    assert again.columns["publicity_start"] == date(2025, 3, 25) and "重新公示" in again.note


def test_dibao_after_objection_may_send_a_new_initial_opinion_without_a_second_publicity() -> None:
    """办法 §19: re-investigate or 民主评议, then a new 初审意见 — no second 公示 required."""
    dibao = get_definition("dibao")
    back = replace(_facts("dibao", S.INVESTIGATING, objection_rounds=1))
    assert allowed_targets(back, 7)[:2] == [S.PUBLICITY, S.SUBMITTED]
    values = {**back.values, OBJECTION_HANDLING: "经民主评议，异议不成立"}
    plan = plan_transition(replace(back, values=values), S.SUBMITTED, dibao, ON)
    assert plan.target is S.SUBMITTED and "县级民政部门审核确认" in plan.note
    town = replace(back, values=values, approval=ApprovalLevel.TOWN)
    assert "乡镇（街道）审核确认" in plan_transition(town, S.SUBMITTED, dibao, ON).note


def test_relief_first_skips_publicity_and_runs_its_own_paperwork_limit() -> None:
    """民发〔2018〕23号: 急难型 先行救助 — paid first, 公示 may be skipped, paperwork afterwards."""
    from jydesk.domain.casework import publicity_days

    urgent = {"hardship_type": "急难型", "urgent": True}
    assert publicity_days("linshi", 7, urgent, None) == 0
    assert publicity_days("linshi", 7, {**urgent, "hardship_type": "支出型"}, None) == 7
    assert publicity_days("linshi", 7, {**urgent, "urgent": False}, None) == 7
    f = CaseFacts("linshi", S.INVESTIGATING, urgent, accepted_on=date(2025, 3, 3))
    assert allowed_targets(f, publicity_days("linshi", 7, urgent, None))[0] is S.SUBMITTED
    dl = deadline(f, CAL)
    assert dl is not None and dl.label == "补齐手续" and dl.due == CAL.add_working_days(date(2025, 3, 3), 5)
    assert "地方示例" in dl.limit.source
    assert deadline(CaseFacts("linshi", S.INVESTIGATING, {}, accepted_on=date(2025, 3, 3)), CAL) is None


def test_publicity_length_comes_from_the_definition_with_its_source() -> None:
    for code, days in (("dibao", 7), ("tekun", 7), ("gaoling", 5), ("wuren", 0)):
        defn = get_definition(code)
        assert defn.publicity_days == days and defn.publicity_source, code
    dibao = get_definition("dibao")
    plan = plan_transition(_facts("dibao", S.INVESTIGATING), S.PUBLICITY, dibao, date(2025, 3, 6))
    assert "公示7天" in plan.note and "第十九条" in plan.note
