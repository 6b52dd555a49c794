"""Case work through the UI: new 低保 case, drafts, inline validation, workflow, list, holidays."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from PySide6.QtCore import Qt
from sqlalchemy import select

from jydesk.domain.entities import CaseStatus
from jydesk.store import cases as svc
from jydesk.store.models import Case, Draft, Person
from jydesk.ui.cases.field_inputs import ChoiceInput, LongInput, MultiInput
from jydesk.ui.cases.members_table import TableInput

from ..conftest import close_quietly, open_window
from ..helpers import type_text
from .case_helpers import new_case_through_dialog, wait_listed


def set_cell(table: TableInput, row: int, key: str, text: str) -> None:
    column = next(i for i, c in enumerate(table.columns) if c.key == key)
    table.table.item(row, column).setText(text)


def cell(table: TableInput, row: int, key: str) -> str:
    column = next(i for i, c in enumerate(table.columns) if c.key == key)
    return table.table.item(row, column).text()


def test_dibao_case_from_new_to_investigation(main_window, qtbot, demo_store, demo_actor, answers):  # type: ignore[no-untyped-def]
    case_id = new_case_through_dialog(main_window, qtbot, demo_store)
    editor = main_window.panel("case_form").editor
    assert editor.isVisible() and editor.case is not None and editor.case.id == case_id
    members = editor.inputs["members"]
    assert isinstance(members, TableInput) and members.table.rowCount() >= 2  # prefilled from the registry
    head = editor.case.applicant_name
    assert editor.inputs["applicant_name"].value() == head
    assert "低保标准" in editor.standard_label.text() and "950" in editor.standard_label.text()
    wait_listed(qtbot, main_window.panel("cases"))
    assert main_window.panel("cases").model.rowCount() >= 1

    # Save a draft at once: incomplete is fine.
    reason = editor.inputs["reason"]
    assert isinstance(reason, LongInput)
    type_text(qtbot, reason.edit, "户主患重病，无力劳动")
    assert editor.is_dirty()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert not editor.is_dirty()
    with demo_store.read() as s:
        assert s.get(Case, case_id).data["reason"] == "户主患重病，无力劳动"  # type: ignore[union-attr]

    # Bad input: the message is shown at the field (and the cell), nothing typed is lost.
    set_cell(members, 0, "monthly_income", "三百")
    editor.inputs["applicant_phone"].edit.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(editor.inputs["applicant_phone"].edit, "12345")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(editor.field_error("applicant_phone")), timeout=2000)
    assert "手机号" in editor.field_error("applicant_phone")
    assert "月收入" in editor.field_error("members")
    column = next(i for i, c in enumerate(members.columns) if c.key == "monthly_income")
    assert "月收入" in members.table.item(0, column).toolTip()
    assert editor.save() is False
    assert "未能保存" in editor.banner.text()
    assert cell(members, 0, "monthly_income") == "三百" and editor.inputs["applicant_phone"].value() == "12345"
    with demo_store.read() as s:
        draft = s.execute(select(Draft).where(Draft.kind == "case")).scalar_one()
        assert draft.payload["values"]["applicant_phone"] == "12345"

    # A crash now: a new window over the same data reopens the case with the input restored.
    second = open_window(qtbot, demo_store, demo_actor)
    try:
        second.panel("cases").open_case(case_id)
        again = second.panel("case_form").editor
        assert again.case is not None and again.case.id == case_id
        assert again.inputs["applicant_phone"].value() == "12345"
        assert cell(again.inputs["members"], 0, "monthly_income") == "三百"  # type: ignore[arg-type]
        assert again.inputs["reason"].value() == "户主患重病，无力劳动"
        assert "恢复" in again.banner.text()
        answers.append("discard")
    finally:
        close_quietly(second)

    # Complete the form: fix the input, fill the rest, then 受理 and 入户调查.
    set_cell(members, 0, "monthly_income", "300")
    for row in range(members.table.rowCount()):
        if not cell(members, row, "monthly_income"):
            set_cell(members, row, "monthly_income", "200")
    editor.inputs["applicant_phone"].edit.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(editor.inputs["applicant_phone"].edit, "13800001111")  # type: ignore[attr-defined]
    causes = editor.inputs["poverty_causes"]
    assert isinstance(causes, MultiInput)
    causes.boxes["因病"].click()
    for key, choice in (("application_scope", "整户"), ("close_relative", "否")):  # 第2版 (2021 rules)
        field = editor.inputs[key]
        assert isinstance(field, ChoiceInput)
        field.combo.set_value(choice)
        field.changed()
    assert editor.save() is True, editor.banner.text()
    assert editor.inputs["family_income"].value() is not None  # computed and shown
    with demo_store.read() as s:
        assert s.execute(select(Draft).where(Draft.kind == "case")).first() is None

    qtbot.mouseClick(editor.action_buttons[CaseStatus.ACCEPTED], Qt.MouseButton.LeftButton)
    assert editor.case.status is CaseStatus.ACCEPTED, editor.banner.text()
    assert "初审" in editor.deadline_label.text()
    qtbot.mouseClick(editor.action_buttons[CaseStatus.INVESTIGATING], Qt.MouseButton.LeftButton)
    assert editor.case.status is CaseStatus.INVESTIGATING

    # 初审 needs two investigators: refused, the message at the field.
    qtbot.mouseClick(editor.action_buttons[CaseStatus.PUBLICITY], Qt.MouseButton.LeftButton)
    assert editor.case.status is CaseStatus.INVESTIGATING
    assert "两名" in editor.field_error("investigator_2")
    assert editor.field_error("investigated_on")

    with demo_store.read() as s:
        case = s.get(Case, case_id)
        assert case.status == "入户调查" and case.accepted_on == date.today()  # type: ignore[union-attr]
        assert case.data["members"][0]["monthly_income"] == "300.00"  # type: ignore[union-attr]
    events = [e.to_status for e in svc.load_case(demo_store, case_id).events]
    assert events == ["草稿", "已受理", "入户调查"]
    wait_listed(qtbot, main_window.panel("cases"))
    rows = {r.id: r for r in main_window.panel("cases").model.rows}
    assert rows[case_id].status == "入户调查" and "初审" in rows[case_id].deadline_text


def test_validation_message_at_the_field_while_typing(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    case_id = new_case_through_dialog(main_window, qtbot, demo_store)
    editor = main_window.panel("case_form").editor
    applied = editor.inputs["applied_on"]
    applied.edit.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(applied.edit, "2025-13-40")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(editor.field_error("applied_on")), timeout=2000)
    assert "日期" in editor.field_error("applied_on")
    assert not editor.field_error("reason")  # untouched fields are not scolded while typing
    qtbot.mouseClick(editor.action_buttons[CaseStatus.ACCEPTED], Qt.MouseButton.LeftButton)
    assert editor.case.status is CaseStatus.DRAFT and editor.case.id == case_id
    assert "格式不正确" in editor.banner.text() or editor.field_error("applied_on")
    assert applied.value() == "2025-13-40"


def test_list_counts_filters_and_deadline_warnings(main_window, qtbot, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    with demo_store.read() as s:
        head = s.execute(select(Person).where(Person.relation == "本人").order_by(Person.id)).scalars().first()
    late = svc.create_case(demo_store, demo_actor, "dibao", household_id=head.household_id, applicant_id=head.id)
    with demo_store.write(demo_actor) as w:  # accepted long ago: the 10-working-day 初审 limit has passed
        case = w.session.get(Case, late)
        case.status, case.accepted_on = "已受理", date.today() - timedelta(days=40)
    panel = main_window.panel("cases")
    panel.reload()
    wait_listed(qtbot, panel)
    assert not panel.warning.isHidden() and "已超期" in panel.warning.text()
    drafts_before = svc.status_counts(demo_store)["草稿"]
    assert panel.status_buttons["草稿"].text() == f"草稿 {drafts_before}"
    main_window.ctx.hub.navigate.emit("cases_due")
    wait_listed(qtbot, panel)
    assert late in [r.id for r in panel.model.rows]
    assert all(r.deadline_state.value in ("即将到期", "已超期") for r in panel.model.rows)
    panel.show_entry("cases")
    panel.status_buttons["已受理"].click()
    wait_listed(qtbot, panel)
    assert {r.status for r in panel.model.rows} == {"已受理"}
    panel.status_buttons["已受理"].click()  # again: the filter is cleared
    assert panel.status_filter.currentData() is None


def test_reload_runs_in_a_worker_and_a_reload_asked_meanwhile_follows(main_window, qtbot, demo_store, demo_actor,
                                                                      monkeypatch):  # type: ignore[no-untyped-def]
    panel = main_window.panel("cases")
    qtbot.waitUntil(lambda: main_window._started and not panel.loading, timeout=15000)
    assert panel.form_filter.findData("dibao") > 0 and panel.group_filter.count() > 1  # filled by start()'s load
    with demo_store.read() as s:
        head = s.execute(select(Person).where(Person.relation == "本人").order_by(Person.id)).scalars().first()
    cid = svc.create_case(demo_store, demo_actor, "dibao", household_id=head.household_id, applicant_id=head.id)
    assert cid not in [r.id for r in panel.model.rows]

    gate = threading.Event()
    calls: list[threading.Thread] = []
    real = svc.list_cases

    def slow_list_cases(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(threading.current_thread())
        assert gate.wait(15), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "list_cases", slow_list_cases)  # the panel calls jydesk.store.cases
    try:
        panel.reload()  # returns at once: the query waits at the gate in a worker thread
        assert panel.loading and panel.count_label.text() == "正在加载…"
        assert cid not in [r.id for r in panel.model.rows]
        qtbot.waitUntil(lambda: len(calls) == 1, timeout=15000)
        assert calls[0] is not threading.main_thread()
        panel.reload()  # asked for while the first load runs: queued, not lost
        panel.status_filter.setCurrentIndex(panel.status_filter.findData("草稿"))  # the filter changes meanwhile
        assert len(calls) == 1
    finally:
        gate.set()
    wait_listed(qtbot, panel)
    assert len(calls) == 2  # one more load after the running one, with the new filter
    ids = [r.id for r in panel.model.rows]
    assert cid in ids and {r.status for r in panel.model.rows} == {"草稿"}  # no stale rows from the first load
    assert panel.status_buttons["草稿"].isChecked()
    assert panel.count_label.text() == f"共 {len(ids)} 件"


def test_holiday_dialog_extends_the_calendar_and_moves_deadlines(main_window, qtbot, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QDate

    from jydesk.ui.cases.dialogs import HolidayDialog

    with demo_store.read() as s:
        head = s.execute(select(Person).where(Person.relation == "本人").order_by(Person.id)).scalars().first()
    cid = svc.create_case(demo_store, demo_actor, "dibao", household_id=head.household_id, applicant_id=head.id)
    accepted = date(2030, 3, 4)  # a Monday; 10 working days later is Monday 2030-03-18
    with demo_store.write(demo_actor) as w:
        case = w.session.get(Case, cid)
        case.status, case.accepted_on = "已受理", accepted
    due = lambda: next(r for r in svc.list_cases(demo_store) if r.id == cid).deadline.due  # noqa: E731
    assert due() == date(2030, 3, 18)
    dialog = HolidayDialog(main_window.ctx, main_window)
    qtbot.addWidget(dialog)
    dialog.day.setDate(QDate(2030, 3, 6))
    type_text(qtbot, dialog.name, "测试假日")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.year.value() == 2030 and dialog.table.rowCount() == 1
    assert dialog.table.item(0, 1).text() == "测试假日" and dialog.table.item(0, 2).text() == "放假"
    assert due() == date(2030, 3, 19)
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 0 and due() == date(2030, 3, 18)
    assert dialog.changed


def test_every_application_form_opens_in_the_editor(main_window, qtbot, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    with demo_store.read() as s:
        head = s.execute(select(Person).where(Person.relation == "本人").order_by(Person.id)).scalars().first()
    editor = main_window.panel("case_form").editor
    forms = svc.case_forms()
    assert {d.code for d in forms} >= {"dibao", "tekun", "linshi", "canji", "gaoling", "wuren"}
    for defn in forms:
        cid = svc.create_case(demo_store, demo_actor, defn.code, household_id=head.household_id, applicant_id=head.id)
        main_window.panel("cases").open_case(cid)
        assert editor.case is not None and editor.case.id == cid and editor.defn is defn
        assert editor.heading.text().startswith(defn.title)
        editable = [k for k, w in editor.inputs.items() if not w.read_only]
        assert editable, defn.code
        assert editor.save() is True, (defn.code, editor.banner.text())
        assert list(editor.action_buttons) == [CaseStatus.ACCEPTED, CaseStatus.NOT_ACCEPTED]
