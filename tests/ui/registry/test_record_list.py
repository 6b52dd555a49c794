"""The 列表 panel: windowed loading, search as you type, sorting, masking, navigation."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from sqlalchemy import func, select

from jydesk.store.models import AuditEntry, Household, Person
from jydesk.ui.registry.columns import PERSON_COLUMNS

from ..helpers import type_text


def living(store, model) -> int:  # type: ignore[no-untyped-def]
    with store.read() as s:
        return s.execute(select(func.count()).select_from(model).where(model.deleted.is_(False))).scalar_one()


def test_lists_show_every_record_and_fetch_pages_on_demand(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    panel = main_window.panel("list")
    assert panel.mode == "households"
    assert panel.model.rowCount() == living(demo_store, Household)
    assert f"共 {living(demo_store, Household):,} 户" == panel.count_label.text()

    main_window.ctx.hub.navigate.emit("people")  # 导航 → 人员
    assert panel.mode == "people"
    model = panel.model
    model.PAGE_SIZE = 16  # small pages so this small village spans several
    model.reload()
    qtbot.waitUntil(lambda: main_window.ctx.workers.active() == 0)
    fetched = model.page_fetches
    total = living(demo_store, Person)
    assert model.rowCount() == total
    last = model.row_object(total - 1)
    assert last is not None and model.page_fetches == fetched + 1
    assert model.row_object(total - 2) is not None and model.page_fetches == fetched + 1  # same page, cached


def test_search_box_filters_the_list(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    panel = main_window.panel("list")
    panel.set_mode("people")
    with demo_store.read() as s:
        person = s.execute(select(Person).order_by(Person.id).limit(1)).scalar_one()
    full = panel.model.rowCount()

    qtbot.keyClick(main_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    type_text(qtbot, panel.search, person.name)
    qtbot.waitUntil(lambda: panel.model.rowCount() < full)

    names = [panel.model.row_object(r).name for r in range(panel.model.rowCount())]
    assert person.name in names and all(person.name in n for n in names)
    assert "找到" in panel.count_label.text()

    panel.search.clear()
    qtbot.keyClicks(panel.search, person.id_number[-4:])  # clerks search by the last digits
    qtbot.waitUntil(lambda: any(panel.model.row_object(r).id == person.id for r in range(panel.model.rowCount())))

    panel.search.clear()
    qtbot.keyClicks(panel.search, "qqqqzz")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    assert "没有找到" in panel.count_label.text()

    panel.search.clear()
    qtbot.waitUntil(lambda: panel.model.rowCount() == full)


def test_household_search_and_selection_opens_the_editor(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    panel = main_window.panel("list")
    with demo_store.read() as s:
        hh = s.execute(select(Household).order_by(Household.id).limit(1)).scalar_one()
    type_text(qtbot, panel.search, hh.address)
    qtbot.waitUntil(lambda: panel.model.rowCount() >= 1 and panel.model.row_object(0).id == hh.id)
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)  # Enter: into the list, first row
    assert panel.view.hasFocus()
    editor = main_window.panel("detail").editor
    assert editor.household_id == hh.id and editor.address.text() == hh.address


def test_ids_masked_in_list_and_reveal_is_audited(main_window, qtbot, demo_store, answers):  # type: ignore[no-untyped-def]
    panel = main_window.panel("list")
    panel.set_mode("people")
    row = panel.model.row_object(0)
    id_col = [c.title for c in PERSON_COLUMNS].index("身份证号")
    shown = panel.model.index(0, id_col).data()
    assert "*" in shown and shown != row.id_number and shown[-4:] == row.id_number[-4:]
    answers.append("close")
    panel.reveal(row)
    assert row.id_number in answers.asked[0]
    with demo_store.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "reveal")).scalar_one()
    assert entry.record_id == row.id and entry.actor_id == main_window.ctx.actor.id


def test_header_click_sorts_through_the_database(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    panel = main_window.panel("list")
    panel.set_mode("people")
    name_col = [c.title for c in PERSON_COLUMNS].index("姓名")
    header = panel.view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(name_col) + 5, 5))
    assert panel.model.sort_key == "name"
    names = [panel.model.row_object(r).name for r in range(panel.model.rowCount())]
    with demo_store.read() as s:
        expected = s.execute(select(Person.name).where(Person.deleted.is_(False))
                             .order_by(Person.name, Person.id)).scalars().all()
    assert names == expected


def test_first_paint_estimate_is_settled_to_the_exact_count(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    from jydesk.store import registry

    with demo_store.read() as s:
        household_id = s.execute(select(Household.id).limit(1)).scalar_one()
    registry.delete_household(demo_store, main_window.ctx.actor, household_id)  # soft-deleted rows stay
    panel = main_window.panel("list")
    panel.set_mode("people")
    panel.model.reload()
    assert not panel.model.exact and panel.model.rowCount() > living(demo_store, Person)  # 1 ms upper bound
    qtbot.waitUntil(lambda: panel.model.exact, timeout=5000)
    assert panel.model.rowCount() == living(demo_store, Person)
    assert panel.count_label.text() == f"共 {living(demo_store, Person):,} 人"
    last = panel.model.row_object(panel.model.rowCount() - 1)
    assert last is not None and last.household_id != household_id
