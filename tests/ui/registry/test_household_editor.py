"""The household editor driven through its widgets: create, validate, reveal, unsaved input, drafts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from jydesk.store.models import AuditEntry, Draft, Household, OutboxEntry, Person

from ..helpers import bad_check_digit, counts, first_household_with, id_number, type_text

HEAD = id_number("19800101", 11)
SPOUSE = id_number("19820304", 22)
CHILD = id_number("20100615", 31)


def choose(combo, value: str) -> None:  # type: ignore[no-untyped-def]
    """Pick a value in a ChoiceBox the way the keyboard would (it emits the same signals)."""
    combo.setFocus()
    combo.setCurrentIndex(combo.findData(value))


def type_member(qtbot, form, name: str, number: str, relation: str | None = None) -> None:  # type: ignore[no-untyped-def]
    type_text(qtbot, form.name, name)
    qtbot.keyClicks(form.id_number, number)
    if relation:
        choose(form.relation, relation)


def test_create_household_with_three_members(main_window, qtbot, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    before = counts(demo_store)
    households_listed = main_window.panel("list").model.rowCount()
    qtbot.keyClick(main_window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = main_window.panel("detail").editor
    assert editor.isVisible() and editor.household_id is None
    form = editor.person

    type_text(qtbot, editor.address, "简城街道安象街社区3组18号")
    qtbot.keyClicks(editor.group_no, "3")
    qtbot.keyClicks(editor.phone, "13800001111")
    type_member(qtbot, form, "王建国", HEAD)
    assert "1980年01月01日" in form.derived.text() and "男" in form.derived.text()
    qtbot.keyClicks(form.phone, "13900002222")
    choose(form.health, "慢性病")
    form.flag_boxes["留守"].click()

    qtbot.mouseClick(editor.add_member_button, Qt.MouseButton.LeftButton)
    type_member(qtbot, form, "李秀英", SPOUSE, "配偶")
    assert "女" in form.derived.text()
    choose(form.disability_type, "肢体")
    choose(form.disability_grade, "2")
    qtbot.keyClick(main_window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)  # 添加成员
    type_member(qtbot, form, "王小明", CHILD, "子")
    assert editor.members.rowCount() == 3 and editor.is_dirty()

    qtbot.keyClick(form.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S

    assert not editor.is_dirty(), editor.banner.text()
    after = counts(demo_store)
    assert after["households"] == before["households"] + 1
    assert after["persons"] == before["persons"] + 3
    with demo_store.read() as s:
        hh = s.get(Household, editor.household_id)
        people = s.execute(select(Person).where(Person.household_id == hh.id)).scalars().all()
        by_name = {p.name: p for p in people}
        assert hh.address == "简城街道安象街社区3组18号" and hh.group_no == 3
        assert hh.head_person_id == by_name["王建国"].id
        assert by_name["王建国"].care_flags == ["留守"] and by_name["王建国"].health == "慢性病"
        assert by_name["李秀英"].disability_grade == 2 and by_name["李秀英"].sex == "女"
        assert by_name["王小明"].relation == "子"
        ids = {hh.id, *(p.id for p in people)}
        audits = s.execute(select(AuditEntry).where(AuditEntry.record_id.in_(ids))).scalars().all()
        outbox = s.execute(select(OutboxEntry).where(OutboxEntry.record_id.in_(ids))).scalars().all()
    assert {(a.record_id, a.action) for a in audits} == {(i, "create") for i in ids}
    assert {a.actor_name for a in audits} == {demo_actor.name}
    assert {o.record_id for o in outbox} == ids and {o.actor_id for o in outbox} == {demo_actor.id}
    assert main_window.panel("list").model.rowCount() == households_listed + 1
    assert main_window.outbox_count == after["outbox"]
    assert f"{after['outbox']:,}" in main_window.outbox_label.text()


def test_invalid_id_number_shows_message_beside_field_and_saves_nothing(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    before = counts(demo_store)
    main_window.act_new.trigger()
    editor = main_window.panel("detail").editor
    form = editor.person
    type_text(qtbot, editor.address, "简城街道安象街社区5组2号")
    type_member(qtbot, form, "赵四", bad_check_digit(HEAD))

    box = form.boxes["id_number"]
    assert box.error.isVisible() and "校验位" in box.error.text()
    assert form.derived.text() == ""
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    assert counts(demo_store) == before
    assert editor.is_dirty() and editor.banner.isVisible() and "校验位" in editor.banner.text()
    assert form.id_number.hasFocus()
    # Correcting the number clears the message and the household saves.
    form.id_number.clear()
    qtbot.keyClicks(form.id_number, HEAD)
    assert not box.error.isVisible()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert counts(demo_store)["households"] == before["households"] + 1


def test_short_id_number_waits_until_typed_out(main_window, qtbot):  # type: ignore[no-untyped-def]
    main_window.act_new.trigger()
    form = main_window.panel("detail").editor.person
    qtbot.keyClicks(form.id_number, HEAD[:10])
    assert not form.boxes["id_number"].error.isVisible()  # no scolding mid-typing
    form.id_number.editingFinished.emit()  # leaving the field
    assert "18位" in form.boxes["id_number"].error.text()


def test_household_rules_reported_by_member(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    before = counts(demo_store)
    main_window.act_new.trigger()
    editor = main_window.panel("detail").editor
    form = editor.person
    type_text(qtbot, editor.address, "简城街道安象街社区5组9号")
    type_member(qtbot, form, "甲", HEAD)
    editor.add_member()
    type_member(qtbot, form, "乙", HEAD, "配偶")  # same number twice
    assert editor.save() is False
    assert "重复" in editor.banner.text()
    assert editor.current_member == 1 and "重复" in form.boxes["id_number"].error.text()
    assert counts(demo_store) == before


def test_id_numbers_masked_until_revealed_and_reveal_is_audited(main_window, qtbot, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    household_id = first_household_with(demo_store, 2)
    main_window.ctx.hub.open_record.emit("household", household_id)
    editor = main_window.panel("detail").editor
    form = editor.person
    member = editor.form().members[0]
    assert "*" in form.id_number.text() and form.id_number.isReadOnly()
    assert "*" in editor.members.item(0, 4).text()

    qtbot.mouseClick(form.reveal_button, Qt.MouseButton.LeftButton)

    assert form.id_number.text() == member.id_number and not form.id_number.isReadOnly()
    assert not editor.is_dirty()
    with demo_store.read() as s:
        reveal = s.execute(select(AuditEntry).where(AuditEntry.action == "reveal",
                                                    AuditEntry.record_id == member.id)).scalar_one()
    assert reveal.actor_id == demo_actor.id


def test_unsaved_changes_are_never_dropped_silently(main_window, qtbot, demo_store, answers):  # type: ignore[no-untyped-def]
    first = first_household_with(demo_store, 1)
    main_window.ctx.hub.open_record.emit("household", first)
    editor = main_window.panel("detail").editor
    editor.phone.clear()
    qtbot.keyClicks(editor.phone, "028-88001234")
    assert editor.is_dirty()
    with demo_store.read() as s:
        other = s.execute(select(Household.id).where(Household.id != first).limit(1)).scalar_one()

    answers.append("cancel")
    main_window.ctx.hub.open_record.emit("household", other)
    assert editor.household_id == first and editor.is_dirty()

    answers.append("cancel")
    main_window.close()
    assert main_window.isVisible() and editor.is_dirty()

    answers.append("save")
    main_window.ctx.hub.open_record.emit("household", other)
    assert editor.household_id == other
    with demo_store.read() as s:
        assert s.get(Household, first).phone == "02888001234"
    assert len(answers.asked) == 3


def test_removing_a_member_marks_it_deleted(main_window, qtbot, demo_store, answers):  # type: ignore[no-untyped-def]
    household_id = first_household_with(demo_store, 2)
    main_window.ctx.hub.open_record.emit("household", household_id)
    editor = main_window.panel("detail").editor
    editor.members.selectRow(1)
    removed = editor.form().members[1]
    answers.append("yes")
    qtbot.mouseClick(editor.remove_member_button, Qt.MouseButton.LeftButton)
    assert editor.save()
    with demo_store.read() as s:
        assert s.get(Person, removed.id).deleted is True
        ops = s.execute(select(OutboxEntry.op).where(OutboxEntry.record_id == removed.id)).scalars().all()
    assert "delete" in ops


def test_draft_survives_a_crash_and_is_offered_again(qtbot, app_styled, demo_store, demo_actor, answers):  # type: ignore[no-untyped-def]
    from ..conftest import close_quietly, open_window

    crashed = open_window(qtbot, demo_store, demo_actor)
    detail = crashed.panel("detail")
    detail.draft_timer.setInterval(20)
    crashed.act_new.trigger()
    type_text(qtbot, detail.editor.address, "简城街道安象街社区7组1号")
    type_text(qtbot, detail.editor.person.name, "钱七")

    def draft_written() -> None:
        with demo_store.read() as s:
            drafts = s.execute(select(Draft)).scalars().all()
        assert [d.payload["form"]["members"][0]["name"] for d in drafts] == ["钱七"]

    qtbot.waitUntil(draft_written, timeout=3000)
    crashed.idle.stop()  # the process "dies" here: no close, no question, the draft stays
    crashed.hide()

    restarted = open_window(qtbot, demo_store, demo_actor)
    answers.append("restore")
    restarted.offer_drafts()
    editor = restarted.panel("detail").editor
    assert editor.address.text() == "简城街道安象街社区7组1号"
    assert editor.person.name.text() == "钱七" and editor.is_dirty()
    qtbot.keyClicks(editor.person.id_number, HEAD)
    assert editor.save()
    with demo_store.read() as s:
        assert s.execute(select(Draft)).first() is None
    close_quietly(restarted)
    crashed.panel("detail").clear_for_other_clerk()
    close_quietly(crashed)
