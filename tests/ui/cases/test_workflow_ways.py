"""The workflow row's new buttons: 不予受理/终止/撤回 ask for a reason, 打印告知书 follows, the
公示 objection goes back to 入户调查, and 延长时限… records days and reason."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from jydesk.domain.entities import CaseStatus
from jydesk.store import cases as svc
from jydesk.store.models import Case, Person


def _head(store):  # type: ignore[no-untyped-def]
    with store.read() as s:
        return s.execute(select(Person).where(Person.relation == "本人").order_by(Person.id)).scalars().first()


def test_not_accepted_with_reason_then_the_notice(main_window, qtbot, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    head = _head(demo_store)
    cid = svc.create_case(demo_store, demo_actor, "dibao", household_id=head.household_id, applicant_id=head.id)
    main_window.panel("cases").open_case(cid)
    editor = main_window.panel("case_form").editor
    assert list(editor.action_buttons) == [CaseStatus.ACCEPTED, CaseStatus.NOT_ACCEPTED]
    asked: list[str] = []
    editor.workflow.ask = lambda title, prompt, days: asked.append(prompt) or None  # cancelled
    qtbot.mouseClick(editor.action_buttons[CaseStatus.NOT_ACCEPTED], Qt.MouseButton.LeftButton)
    assert editor.case.status is CaseStatus.DRAFT and "告知书" in asked[0]
    editor.workflow.ask = lambda title, prompt, days: ("不属本乡镇（街道）受理范围", 0)
    qtbot.mouseClick(editor.action_buttons[CaseStatus.NOT_ACCEPTED], Qt.MouseButton.LeftButton)
    assert editor.case.status is CaseStatus.NOT_ACCEPTED, editor.banner.text()
    assert editor.case.close_reason == "不属本乡镇（街道）受理范围"
    assert editor.action_buttons == {} and "notice" in editor.workflow.extra_buttons
    with qtbot.waitSignal(editor.print_requested) as signal:
        qtbot.mouseClick(editor.workflow.extra_buttons["notice"], Qt.MouseButton.LeftButton)
    assert signal.args == [cid, "notice"]


def test_extension_and_objection_buttons(main_window, qtbot, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    with demo_store.read() as s:
        cid = s.execute(select(Case.id).where(Case.form_code == "dibao", Case.status == "公示",
                                              Case.deleted.is_(False)).order_by(Case.id)).scalars().first()
    assert cid is not None, "the demo village has a 低保 case in 公示"
    main_window.panel("cases").open_case(cid)
    editor = main_window.panel("case_form").editor
    assert {CaseStatus.SUBMITTED, CaseStatus.INVESTIGATING, CaseStatus.TERMINATED, CaseStatus.WITHDRAWN} == set(
        editor.action_buttons)
    assert editor.action_buttons[CaseStatus.INVESTIGATING].text().startswith("异议成立")
    editor.workflow.ask = lambda title, prompt, days: ("人户分离，需异地核查", days)
    qtbot.mouseClick(editor.workflow.extra_buttons["extend"], Qt.MouseButton.LeftButton)
    assert editor.case.extension_days == 15 and editor.case.extension_reason == "人户分离，需异地核查"
    assert "extend" not in editor.workflow.extra_buttons  # 45 working days reached
    # an objection not marked 有异议 in the form is refused with the reason at the field
    editor.workflow.ask = lambda title, prompt, days: ("群众反映情况不实", 0)
    if editor.case.values.get("publicity_objection") != "有异议":
        qtbot.mouseClick(editor.action_buttons[CaseStatus.INVESTIGATING], Qt.MouseButton.LeftButton)
        assert editor.case.status is CaseStatus.PUBLICITY
        assert "有异议" in editor.banner.text() or editor.field_error("publicity_objection")
