"""Helpers of the case-work UI tests (also used by the printing tests): a new case through the
新建申请 dialog, waiting for the 案件 list's worker load."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from jydesk.store.models import Person
from jydesk.ui.cases.dialogs import NewCaseDialog

from ..helpers import first_household_with


def head_of(store, household_id: str) -> Person:  # type: ignore[no-untyped-def]
    with store.read() as s:
        people = s.execute(select(Person).where(Person.household_id == household_id, Person.deleted.is_(False))
                           .order_by(Person.relation != "本人", Person.id)).scalars().all()
        return people[0]


def new_case_through_dialog(window, qtbot, store) -> str:  # type: ignore[no-untyped-def]
    """新建申请: choose 低保, search the applicant by the last 6 digits of the ID number, create."""
    panel = window.panel("cases")
    head = head_of(store, first_household_with(store, 2))
    dialog = NewCaseDialog(window.ctx, panel)
    qtbot.addWidget(dialog)
    dialog.form_combo.setCurrentIndex(dialog.form_combo.findData("dibao"))
    qtbot.keyClicks(dialog.search, head.id_number[-6:])
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.results.rowCount() >= 1
    row = next(i for i, p in enumerate(dialog.rows) if p.id == head.id)
    dialog.results.selectRow(row)
    case_id = panel.create_from(dialog)
    assert case_id is not None
    return case_id


def wait_listed(qtbot, panel) -> None:  # type: ignore[no-untyped-def]
    """Until the 案件 list's worker load (and any reload queued behind it) has been applied."""
    qtbot.waitUntil(lambda: not panel.loading, timeout=15000)
