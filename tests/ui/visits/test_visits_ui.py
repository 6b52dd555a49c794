"""待探访 and 统计 panels: record a visit from the due list (keyboard), overrides, follow-ups, printing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QPlainTextEdit
from sqlalchemy import select

from jydesk.domain.visits import IsoWeek, VisitStatus
from jydesk.store import Actor, Store
from jydesk.store.models import Attachment, FollowUp, Person, Visit
from tests.ui.conftest import DEMO_USERNAME

pytestmark = pytest.mark.usefixtures("app_styled")


@pytest.fixture
def window(qtbot, demo_store: Store, demo_actor: Actor, answers):  # type: ignore[no-untyped-def]
    from jydesk.ui.registry import windowed_model
    from jydesk.ui.registry.detail_panel import DetailPanel
    from jydesk.ui.registry.list_panel import RecordListPanel
    from jydesk.ui.shell.main_window import MainWindow
    from jydesk.ui.shell.navigation_panel import NavigationPanel
    from jydesk.ui.visits.coverage_panel import CoveragePanel
    from jydesk.ui.visits.due_panel import VisitsDuePanel

    def before_close(win) -> None:  # type: ignore[no-untyped-def]
        due = win.panel("visits_due")
        if due.entry_dialog is not None and due.entry_dialog.isVisible():
            due.entry_dialog.done(0)  # close without the "discard?" question
        # the record list prepares its full order on a timer: let it fire while the pool exists
        qtbot.wait(getattr(windowed_model, "PREPARE_DELAY_MS", 0) + 50)
        if win.locked:
            win.unlock()
        win.idle.stop()
        win.ctx.workers.wait(5000)

    win = MainWindow(demo_store, demo_actor, username=DEMO_USERNAME,
                     panel_classes=[NavigationPanel, RecordListPanel, DetailPanel, VisitsDuePanel, CoveragePanel])
    qtbot.addWidget(win, before_close_func=before_close)
    win.show()
    qtbot.waitExposed(win)
    due, cov = win.panel("visits_due"), win.panel("coverage")
    qtbot.waitUntil(lambda: due.loaded and cov.current is not None, timeout=10_000)
    return win


def _high_risk_pending(panel) -> list:  # type: ignore[no-untyped-def]
    return [i for i in panel.visible_items() if i.tier.value == "high"]


def test_record_a_visit_from_the_due_list_by_keyboard(qtbot, window, demo_store: Store) -> None:  # type: ignore[no-untyped-def]
    due, cov = window.panel("visits_due"), window.panel("coverage")
    window.ctx.hub.navigate.emit("visits_due")
    before = cov.current
    assert before is not None and before.due > before.done, "the demo village has high-risk people not yet visited"
    pending = _high_risk_pending(due)
    assert pending and all(i.status in (VisitStatus.DUE, VisitStatus.OVERDUE) for i in due.visible_items())
    target = pending[0]
    assert due.select_person(target.person_id)
    due.table.setFocus()
    qtbot.keyClick(due.table, Qt.Key.Key_Return)
    dialog = due.entry_dialog
    assert dialog is not None and dialog.isVisible() and dialog.person_id == target.person_id
    values = dialog.values()
    assert values["visited_on"] == date.today().isoformat()
    assert values["method"] == "入户" and values["visitors"] == window.ctx.actor.name
    assert values["person_name"] == target.name
    # a few keystrokes: 行动能力 -> 需辅助, then save with Ctrl+Enter
    mobility = dialog.inputs["mobility"].widget
    mobility.setFocus()
    qtbot.keyClick(mobility, Qt.Key.Key_Down)
    qtbot.keyClick(mobility, Qt.Key.Key_Down)
    assert dialog.inputs["mobility"].value() == "需辅助"
    qtbot.keyClick(mobility, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert dialog.visit_id
    with demo_store.read() as s:
        visit = s.get(Visit, dialog.visit_id)
        assert visit is not None and visit.person_id == target.person_id and visit.data["mobility"] == "需辅助"
    # it leaves the due list and the coverage figure rises
    qtbot.waitUntil(lambda: target.person_id not in {i.person_id for i in due.visible_items()}, timeout=10_000)
    qtbot.waitUntil(lambda: cov.current is not None and cov.current.done == before.done + 1, timeout=10_000)
    assert cov.current.due == before.due
    assert cov.rate_label.text() == cov.current.percent_text
    assert cov.chart_values()[-1] == round(cov.current.rate * 100)
    due.set_mode("done")
    assert target.person_id in {i.person_id for i in due.visible_items()}


def test_entry_errors_are_shown_at_the_fields_and_nothing_is_saved(qtbot, window, demo_store: Store, answers) -> None:  # type: ignore[no-untyped-def]
    due = window.panel("visits_due")
    dialog = due.start_visit(due.visible_items()[0].person_id)
    dialog.inputs["problems"].set_value("煤气灶漏气")
    assert not dialog.save()
    assert "处理/转介情况" in dialog.boxes["handling"].message
    assert dialog.isVisible()
    with demo_store.read() as s:
        assert s.execute(select(Visit).where(Visit.person_id == dialog.person_id,
                                             Visit.visited_on == date.today())).first() is None
    answers.append("discard")
    dialog.reject()
    assert not dialog.isVisible() and answers.asked


def test_follow_up_items_and_photos_from_the_dialog(qtbot, window, demo_store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    due = window.panel("visits_due")
    dialog = due.start_visit(due.visible_items()[0].person_id)
    dialog.inputs["problems"].set_value("屋顶漏雨\n独自居住无人照看")
    dialog.inputs["handling"].set_value("已报告村委会")
    needed = dialog.inputs["follow_up_needed"].widget
    assert isinstance(needed, QCheckBox) and not dialog.follow_up_edit.isEnabled()
    needed.setChecked(True)
    assert isinstance(dialog.follow_up_edit, QPlainTextEdit)
    assert dialog.follow_ups() == ["屋顶漏雨", "独自居住无人照看"]
    photo = tmp_path / "kitchen.png"
    Image.new("RGB", (2400, 1800), (90, 90, 200)).save(photo)
    dialog.add_photos([photo])
    assert dialog.save()
    with demo_store.read() as s:
        items = s.execute(select(FollowUp).where(FollowUp.visit_id == dialog.visit_id)).scalars().all()
        photos = s.execute(select(Attachment).where(Attachment.owner_id == dialog.visit_id)).scalars().all()
    assert sorted(i.description for i in items) == ["屋顶漏雨", "独自居住无人照看"]
    assert [p.filename for p in photos] == ["kitchen.png"]
    qtbot.waitUntil(lambda: {"屋顶漏雨", "独自居住无人照看"} <= {r.description for r in due.follow_up_model.rows},
                    timeout=10_000)


def test_close_a_follow_up_item(qtbot, window, demo_store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jydesk.store.visits import VisitEntry, record_visit
    from jydesk.ui.visits import due_panel as visits_due

    due = window.panel("visits_due")
    pid = due.visible_items()[0].person_id
    record_visit(demo_store, window.ctx.actor, VisitEntry(pid, {"problems": "缺少取暖设备", "handling": "联系民政站",
                                                                "follow_up_needed": True}))
    window.ctx.hub.record_saved.emit("visit", "x")
    qtbot.waitUntil(lambda: any(r.description == "缺少取暖设备" for r in due.follow_up_model.rows), timeout=10_000)
    row = next(i for i, r in enumerate(due.follow_up_model.rows) if r.description == "缺少取暖设备")
    due.follow_up_table.selectRow(row)
    monkeypatch.setattr(visits_due.QInputDialog, "getText", lambda *a, **k: ("已送去电热毯", True))
    assert due.close_follow_up()
    qtbot.waitUntil(lambda: all(r.description != "缺少取暖设备" for r in due.follow_up_model.rows), timeout=10_000)
    with demo_store.read() as s:
        item = s.execute(select(FollowUp).where(FollowUp.description == "缺少取暖设备")).scalar_one()
    assert item.status == "已办结" and item.closed_note == "已送去电热毯"


def test_override_moves_a_person_onto_the_weekly_list(qtbot, window, demo_store: Store) -> None:  # type: ignore[no-untyped-def]
    due = window.panel("visits_due")
    due.set_mode("all")
    candidates = [i for i in due.visible_items() if i.tier.value != "high"]
    assert candidates
    target = candidates[0]
    assert due.select_person(target.person_id)
    dialog = due.adjust_plan()
    dialog.tier_box.set_value("high")
    assert not dialog.save()  # a reason is required
    assert "理由" in dialog.reason_field.message
    dialog.reason_edit.setText("近期跌倒骨折，独自在家")
    assert dialog.save()
    qtbot.waitUntil(lambda: any(i.person_id == target.person_id and i.tier.value == "high" and i.overridden
                                for i in due.all_items), timeout=10_000)
    with demo_store.read() as s:
        person = s.get(Person, target.person_id)
    assert person.visit_tier_override == "high" and person.visit_tier_override_reason == "近期跌倒骨折，独自在家"


def test_week_navigation_across_weeks(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    due = window.panel("visits_due")
    this_week = due.week
    due.next_button.click()
    assert due.week == this_week.shift(1) and due.this_week_button.isEnabled()
    qtbot.waitUntil(lambda: due.loaded and due._job is None, timeout=10_000)
    assert "第" in due.week_label.text()
    due.this_week_button.click()
    assert due.week == IsoWeek.of(date.today())


def test_print_roster_and_sheets_with_preview(qtbot, window, demo_store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from io import BytesIO

    from pypdf import PdfReader

    due = window.panel("visits_due")
    due.print_kind("roster")
    qtbot.waitUntil(lambda: due.preview is not None and due.preview.isVisible(), timeout=15_000)
    preview = due.preview
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(preview.pdf)).pages)
    with demo_store.read() as s:
        from jydesk.store.visits import due_roster

        names = [r.name for r in due_roster(s, due.week)]
    assert names and all(n in text for n in names)
    saved = preview.save_as_pdf(tmp_path / "roster.pdf")
    assert saved is not None and saved.read_bytes() == preview.pdf
    preview.accept()
    due.preview = None
    due.print_kind("prefilled")
    qtbot.waitUntil(lambda: due.preview is not None and due.preview.isVisible(), timeout=30_000)
    assert due.preview.records == len(names) and due.preview.page_count >= len(names)
    due.preview.accept()


def test_due_list_is_sorted_by_urgency(window) -> None:  # type: ignore[no-untyped-def]
    due = window.panel("visits_due")
    items = due.visible_items()
    ranks = [(0 if i.status is VisitStatus.OVERDUE else 1, i.tier.value) for i in items]
    overdue_then_due = [r[0] for r in ranks]
    assert overdue_then_due == sorted(overdue_then_due)
    today = date.today()
    assert all(i.week_status.due_on <= due.week.sunday for i in items)
    assert all(i.last_visit is None or i.last_visit <= today + timedelta(days=0) for i in items)


def test_coverage_per_group_with_the_unvisited_one_click_away(qtbot, window, demo_store: Store) -> None:  # type: ignore[no-untyped-def]
    from jydesk.domain.visits import IsoWeek
    from jydesk.store.visits import weekly_coverage
    from jydesk.ui.visits.coverage_panel import load

    cov = window.panel("coverage")
    qtbot.waitUntil(lambda: cov.groups.rowCount() > 0, timeout=10_000)
    with demo_store.read() as s:
        expected = weekly_coverage(s, IsoWeek.of(date.today()), 12)
    assert cov.groups.rowCount() == len(expected.groups)
    assert sum(int(cov.groups.item(r, 1).text()) for r in range(cov.groups.rowCount())) == expected.history[-1].due
    group = next(g for g in expected.groups if expected.pending_in(g))
    assert cov.pending_ids() == []
    assert cov.select_group(group)  # one click on the 组
    assert cov.pending_ids() == [p.person_id for p in expected.pending_in(group)]
    assert "尚未探访" in cov.pending_label.text()
    # next year's holiday schedule: warned about from 1 December while it is missing
    _, warning = load(demo_store, IsoWeek.of(date(2026, 12, 1)), date(2026, 12, 1))
    assert "2027年节假日安排" in warning
    _, quiet = load(demo_store, IsoWeek.of(date(2026, 11, 30)), date(2026, 11, 30))
    assert quiet == ""
