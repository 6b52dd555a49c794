"""A full disk, a locked or a read-only database during a save: the editor's banner says what
happened and what to do, the input stays, and saving works once the cause is gone (real
SQLite faults: tests.store.storage_faults)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from jydesk.store import Store
from jydesk.store.models import Case, Household, Person, Visit
from tests.store.storage_faults import storage_fault
from tests.ui.visits.test_visits_ui import window  # noqa: F401 - fixture

from .helpers import first_household_with, type_text

pytestmark = pytest.mark.usefixtures("app_styled")

# A long address: its ~170 new search-index bigrams need new database pages, so a "full" disk
# (no page may be added) refuses the save whatever free room the existing pages happen to have.
ADDRESS = "简城街道安象街社区9组99号" + "".join(chr(0x4E00 + 97 * i) for i in range(160))


@pytest.mark.parametrize(("kind", "words"), [("full", "磁盘空间不足"), ("locked", "占用"), ("read_only", "只读")])
def test_household_editor_keeps_the_input_and_says_what_to_do(main_window, qtbot, demo_store: Store, kind: str,  # type: ignore[no-untyped-def]
                                                              words: str) -> None:
    household_id = first_household_with(demo_store, 2)
    main_window.ctx.hub.open_record.emit("household", household_id)
    editor = main_window.panel("detail").editor
    editor.address.clear()
    type_text(qtbot, editor.address, ADDRESS)
    assert editor.is_dirty()
    with storage_fault(demo_store, kind):
        qtbot.keyClick(editor.address, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        assert words in editor.banner.text() and "未能保存" in editor.banner.text()
        assert editor.is_dirty() and editor.address.text() == ADDRESS
    assert editor.save(), editor.banner.text()  # the cause is gone
    with demo_store.read() as s:
        assert s.get(Household, household_id).address == ADDRESS  # type: ignore[union-attr]


def test_case_editor_keeps_the_input_on_a_full_disk(main_window, qtbot, demo_store: Store, demo_actor) -> None:  # type: ignore[no-untyped-def]
    from jydesk.store import cases as svc

    with demo_store.read() as s:
        head = s.execute(select(Person).where(Person.relation == "本人").order_by(Person.id)).scalars().first()
    case_id = svc.create_case(demo_store, demo_actor, "dibao", household_id=head.household_id, applicant_id=head.id)
    main_window.panel("cases").open_case(case_id)
    editor = main_window.panel("case_form").editor
    reason = editor.inputs["reason"]
    type_text(qtbot, reason.edit, "户主患重病" * 300)
    with storage_fault(demo_store, "full"):
        assert editor.save() is False
        assert "磁盘空间不足" in editor.banner.text()
        assert editor.is_dirty() and reason.value().startswith("户主患重病")
    assert editor.save() is True, editor.banner.text()
    with demo_store.read() as s:
        assert s.get(Case, case_id).data["reason"].startswith("户主患重病")  # type: ignore[union-attr]


def test_visit_entry_keeps_the_input_while_the_database_is_read_only(qtbot, window, demo_store: Store) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    due = window.panel("visits_due")
    dialog = due.start_visit(due.visible_items()[0].person_id)
    dialog.inputs["illness"].set_value("高血压")
    with storage_fault(demo_store, "read_only"):
        assert not dialog.save()
        assert "只读" in dialog.banner.text() and dialog.isVisible()
        assert dialog.inputs["illness"].value() == "高血压"
    assert dialog.save()
    with demo_store.read() as s:
        assert s.execute(select(Visit).where(Visit.person_id == dialog.person_id)).first() is not None
