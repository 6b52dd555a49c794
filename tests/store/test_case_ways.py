"""Casework over a real store: who confirms (the city's setting as pulled), the objection back to
入户调查, 不予受理/终止/撤回 with the printed 告知书, and the deadline extension."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from jydesk.domain import casework
from jydesk.domain.approval import (
    APPROVAL_KIND,
    REFERENCE_ENTITY,
    ApprovalLevel,
    reference_fields,
    reference_id,
)
from jydesk.domain.casework import TransitionRefused
from jydesk.domain.entities import CaseStatus as S
from jydesk.domain.errors import ValidationError
from jydesk.printing import render_form
from jydesk.store import Actor, Store
from jydesk.store import cases as svc
from jydesk.store.form_context import case_print_item
from jydesk.store.models import Case, OutboxEntry
from jydesk.store.reference import town_approval
from sync.client.apply import apply_page
from sync.protocol.models import PulledChange
from tests.printing.pdf_text import compact_text
from tests.store.test_cases import complete, new_dibao

VILLAGE = "510185001001"
INVESTIGATED = {"investigator_1": "王五", "investigator_2": "赵六", "investigated_on": "2025-03-05"}


def pull_setting(store: Store, level: str, version: int) -> None:
    """The setting as the city server sends it in the pull feed."""
    fields = reference_fields(APPROVAL_KIND, VILLAGE[:9], level, version, VILLAGE, "办法第二条")
    apply_page(store, [PulledChange(entity=REFERENCE_ENTITY, id=reference_id(APPROVAL_KIND, VILLAGE[:9], VILLAGE),
                                    revision=version, fields=fields)], str(version))


def in_publicity(store: Store, clerk: Actor) -> str:
    cid = new_dibao(store, clerk)
    complete(store, clerk, cid)
    svc.transition(store, clerk, cid, S.ACCEPTED, on=date(2025, 3, 4))
    svc.transition(store, clerk, cid, S.INVESTIGATING, on=date(2025, 3, 5))
    complete(store, clerk, cid, **INVESTIGATED)
    svc.transition(store, clerk, cid, S.PUBLICITY, on=date(2025, 3, 6))
    return cid


def test_pulled_setting_changes_deadline_note_and_printed_opinion_blocks(store: Store, clerk: Actor) -> None:
    cid = in_publicity(store, clerk)
    county = svc.load_case(store, cid)
    assert county.approval is ApprovalLevel.COUNTY
    cal = svc.work_calendar(store)
    assert casework.deadline(county.facts, cal).due == cal.add_working_days(date(2025, 3, 4), 30)
    pdf = render_form(*svc.print_items(store, [cid])[0][:1], svc.print_items(store, [cid])[0][1])
    text = compact_text(pdf)
    assert "县级民政部门审核确认意见" in text and "县级民政部门备案" not in text

    pull_setting(store, "乡镇", 1)
    assert town_approval(store) is ApprovalLevel.TOWN
    town = svc.load_case(store, cid)
    assert casework.deadline(town.facts, cal).due == cal.add_working_days(date(2025, 3, 4), 20)
    defn, values, number = svc.print_items(store, [cid])[0]
    text = compact_text(render_form(defn, values, number=number))
    assert "乡镇(街道)审核确认意见" in text and "县级民政部门备案" in text
    assert "县级民政部门审核确认意见" not in text and "乡镇(街道)初审意见" not in text
    complete(store, clerk, cid, **INVESTIGATED, publicity_objection="无异议")
    case = svc.transition(store, clerk, cid, S.SUBMITTED, on=date(2025, 3, 13))
    assert "由乡镇（街道）审核确认" in (case.events[-1].note or "")
    pull_setting(store, "县级", 1)  # an older or equal version never overrides a newer one
    assert town_approval(store) is ApprovalLevel.TOWN
    pull_setting(store, "县级", 2)
    assert town_approval(store) is ApprovalLevel.COUNTY
    with store.read() as s:  # reference data is the city's: never queued for sending back
        assert not s.execute(select(OutboxEntry).where(OutboxEntry.entity == REFERENCE_ENTITY)).first()


def test_valid_objection_goes_back_to_investigation(store: Store, clerk: Actor) -> None:
    cid = in_publicity(store, clerk)
    with pytest.raises(TransitionRefused):
        svc.transition(store, clerk, cid, S.INVESTIGATING, on=date(2025, 3, 10), reason="异议成立")
    complete(store, clerk, cid, **INVESTIGATED, publicity_objection="有异议")
    with pytest.raises(TransitionRefused) as exc:
        svc.transition(store, clerk, cid, S.INVESTIGATING, on=date(2025, 3, 10))
    assert exc.value.errors[0].field == "reason"
    case = svc.transition(store, clerk, cid, S.INVESTIGATING, on=date(2025, 3, 10), reason="有群众反映其子有稳定收入")
    assert case.status is S.INVESTIGATING and case.objection_rounds == 1
    assert case.publicity_start is None and "publicity_start" not in case.values
    assert case.values["objection_handling"] == "有群众反映其子有稳定收入"
    assert "公示异议经核实成立" in (case.events[-1].note or "")
    # 低保 (办法 §19): a new 初审意见 may go up without a second 公示; a new 公示 is allowed too
    targets = casework.allowed_targets(case.facts, 7)
    assert targets[:2] == [S.PUBLICITY, S.SUBMITTED]
    again = svc.transition(store, clerk, cid, S.PUBLICITY, on=date(2025, 3, 17))
    assert (again.publicity_start, again.publicity_end) == (date(2025, 3, 17), date(2025, 3, 23))


def test_ways_out_with_reason_and_the_printed_notice(store: Store, clerk: Actor) -> None:
    cid = new_dibao(store, clerk)
    with pytest.raises(TransitionRefused):
        svc.transition(store, clerk, cid, S.NOT_ACCEPTED, on=date(2025, 3, 4))
    with pytest.raises(ValidationError, match="没有需要打印的告知书"):
        case_print_item(store, cid, "notice")
    case = svc.transition(store, clerk, cid, S.NOT_ACCEPTED, on=date(2025, 3, 4),
                          reason="户籍不在本乡镇（街道），请向户籍所在地申请")
    assert case.status is S.NOT_ACCEPTED and case.close_reason.startswith("户籍不在")
    assert not case.editable and casework.allowed_targets(case.facts, 7) == []
    with store.read() as s:
        assert s.get(Case, cid).register_no is None
    defn, values, number = svc.print_items(store, [cid], companion="notice")[0]
    text = compact_text(render_form(defn, values, number=number))
    for words in ("社会救助申请办理告知书", "张三", "最低生活保障申请审核确认表", "不予受理", "户籍不在本乡镇",
                  "行政复议", "本人已收到本告知书"):
        assert words in text, words

    other = svc.create_case(store, clerk, "dibao", household_id=case.household_id, applicant_id=case.applicant_id,
                            today=date(2025, 3, 3))
    complete(store, clerk, other)
    svc.transition(store, clerk, other, S.ACCEPTED, on=date(2025, 3, 4))
    case = svc.transition(store, clerk, other, S.WITHDRAWN, on=date(2025, 3, 5), reason="申请人书面申请撤回")
    text = compact_text(render_form(*svc.print_items(store, [other], companion="notice")[0][:2]))
    assert "撤回" in text and "申请人书面申请撤回" in text


def test_extension_is_recorded_with_its_reason(store: Store, clerk: Actor) -> None:
    cid = in_publicity(store, clerk)
    with pytest.raises(TransitionRefused):
        svc.extend_deadline(store, clerk, cid, 15, "")
    case = svc.extend_deadline(store, clerk, cid, 15, "人户分离，需异地核查")
    assert case.extension_days == 15 and case.extension_reason == "人户分离，需异地核查"
    assert "延长15个工作日" in (case.events[-1].note or "") and case.events[-1].to_status == "公示"
    cal = svc.work_calendar(store)
    assert casework.deadline(case.facts, cal).due == cal.add_working_days(date(2025, 3, 4), 45)
    with pytest.raises(TransitionRefused, match="上限"):
        svc.extend_deadline(store, clerk, cid, 1, "再延长")
