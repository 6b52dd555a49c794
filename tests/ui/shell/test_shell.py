"""The shell: layout per clerk, status bar, lock after inactivity, login, first-run set-up, zh_CN."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from sqlalchemy import select

from jydesk.store.accounts import create_user
from jydesk.store.models import AuditEntry, Household, Installation, User
from jydesk.ui.shell.panels import PANELS

from ..conftest import DEMO_PASSWORD, DEMO_USERNAME, actor_for, close_quietly, open_window
from ..helpers import first_household_with, id_number, type_text


def test_every_panel_is_docked_and_listed_in_the_view_menu(main_window):  # type: ignore[no-untyped-def]
    assert set(main_window.docks) == {cls.panel_id for cls in PANELS}
    titles = [a.text() for a in main_window.view_menu.actions()]
    for cls in PANELS:
        assert cls.title in titles
        assert main_window.docks[cls.panel_id].isClosed() != cls.visible_by_default
    assert "恢复默认布局" in titles
    nav = main_window.panel("navigation")
    assert nav.item_for("households") is not None and nav.item_for("people") is not None


def test_layout_is_saved_and_restored_per_clerk(qtbot, app_styled, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    window = open_window(qtbot, demo_store, demo_actor)
    nav = window.docks["navigation"]
    window.view_menu.actions()[[a.text() for a in window.view_menu.actions()].index("导航")].trigger()
    assert nav.isClosed()
    window.docks["detail"].setFloating()
    close_quietly(window)  # closing saves the layout

    again = open_window(qtbot, demo_store, demo_actor)
    assert again.docks["navigation"].isClosed()
    assert again.docks["detail"].isFloating()

    other = create_user(demo_store, "lisi", "李四", "lisi-secret")
    for_other = open_window(qtbot, demo_store, other, username="lisi")
    assert not for_other.docks["navigation"].isClosed()  # another clerk keeps the default
    close_quietly(for_other)

    again.act_reset.trigger()
    assert not again.docks["navigation"].isClosed() and not again.docks["detail"].isFloating()
    close_quietly(again)


def test_status_bar_shows_village_clerk_sync_state_and_outbox(main_window, demo_store):  # type: ignore[no-untyped-def]
    with demo_store.read() as s:
        inst = s.get(Installation, 1)
    assert inst.village_name in main_window.village_label.text()
    assert inst.village_code in main_window.village_label.text()
    assert main_window.clerk_label.text() == f"专干：{main_window.ctx.actor.name}"
    assert main_window.sync_label.text() == "离线"
    assert main_window.outbox_label.text().startswith("待同步")
    main_window.ctx.hub.sync_state_changed.emit("在线")
    assert main_window.sync_label.text() == "在线"


def test_inactivity_locks_without_losing_input_and_needs_the_password(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    household_id = first_household_with(demo_store, 1)
    main_window.ctx.hub.open_record.emit("household", household_id)
    editor = main_window.panel("detail").editor
    editor.note.setFocus()
    type_text(qtbot, editor.note, "低保复核中")
    assert editor.is_dirty()

    main_window.idle.set_timeout(30)  # instead of 15 minutes
    qtbot.waitUntil(lambda: main_window.locked, timeout=3000)

    overlay = main_window.overlay
    assert overlay.isVisible() and not main_window.dock_manager.isEnabled()
    assert not main_window.act_save.isEnabled()
    assert main_window.pending_drafts(), "locking writes a draft of the unsaved input"

    qtbot.keyClicks(overlay.password, "wrong-password")
    qtbot.mouseClick(overlay.unlock_button, Qt.MouseButton.LeftButton)
    assert main_window.locked and "密码错误" in overlay.error.text()

    overlay.password.clear()
    qtbot.keyClicks(overlay.password, DEMO_PASSWORD)
    qtbot.keyClick(overlay.password, Qt.Key.Key_Return)
    assert not main_window.locked and not overlay.isVisible() and main_window.dock_manager.isEnabled()
    assert editor.note.text() == "低保复核中" and editor.is_dirty()


def test_lock_shortcut_and_repeated_failures_make_the_clerk_wait(main_window, qtbot):  # type: ignore[no-untyped-def]
    qtbot.keyClick(main_window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert main_window.locked
    overlay = main_window.overlay
    for _ in range(3):
        overlay.password.setText("nope")
        overlay.unlock_button.click()
    assert not overlay.unlock_button.isEnabled() and "请等待" in overlay.unlock_button.text()
    qtbot.keyClick(main_window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # shortcuts are off
    assert main_window.locked


def test_login_dialog_failure_message_and_growing_delay(qtbot, app_styled, demo_store):  # type: ignore[no-untyped-def]
    from jydesk.ui.shell.login_dialog import LoginDialog

    dialog = LoginDialog(demo_store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.user.currentText() == DEMO_USERNAME
    qtbot.keyClicks(dialog.password, "bad-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is None and dialog.error.text() == "用户名或密码错误"
    assert dialog.login_button.isEnabled()
    for _ in range(2):
        qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert not dialog.login_button.isEnabled() and "请等待" in dialog.login_button.text()

    with demo_store.read() as s:
        failures = s.execute(select(User.failed_logins).where(User.username == DEMO_USERNAME)).scalar_one()
    assert failures == 3


def test_login_dialog_accepts_the_right_password(qtbot, app_styled, demo_store):  # type: ignore[no-untyped-def]
    from jydesk.ui.shell.login_dialog import LoginDialog

    dialog = LoginDialog(demo_store)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.username == DEMO_USERNAME


def test_switched_clerk_gets_the_audit_entries(main_window, qtbot, demo_store):  # type: ignore[no-untyped-def]
    create_user(demo_store, "wangwu", "王五", "wangwu-secret")
    wangwu = actor_for(demo_store, "wangwu")
    main_window.set_clerk(wangwu, "wangwu")
    assert main_window.clerk_label.text() == "专干：王五" and "王五" in main_window.windowTitle()
    main_window.act_new.trigger()
    editor = main_window.panel("detail").editor
    type_text(qtbot, editor.address, "简城街道安象街社区2组8号")
    type_text(qtbot, editor.person.name, "孙八")
    qtbot.keyClicks(editor.person.id_number, id_number("19700505", 41))
    assert editor.save()
    with demo_store.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.entity == "household",
                                                   AuditEntry.record_id == editor.household_id)).scalar_one()
    assert (entry.actor_id, entry.actor_name) == (wangwu.id, "王五")


def test_first_run_setup_binds_the_village_creates_the_clerk_and_shows_the_recovery_key(  # type: ignore[no-untyped-def]
        qtbot, app_styled, tmp_path, answers):
    from jydesk.store.keyslots import KeySlots
    from jydesk.store.unlock import unlock_key
    from jydesk.ui.shell.setup_dialog import LOSS_NOTICE, SetupDialog

    folder = tmp_path / "empty"
    dialog = SetupDialog(folder)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.town.count() == 37
    dialog.town.setCurrentIndex(dialog.town.findData("510185002"))
    assert dialog.village_code.text() == "510185002"
    type_text(qtbot, dialog.village_name, "新桥社区")
    qtbot.keyClicks(dialog.village_code, "003")
    qtbot.keyClicks(dialog.username_edit, "zhangsan")
    type_text(qtbot, dialog.display_name, "张三")
    qtbot.keyClicks(dialog.password, "secret-1")
    qtbot.keyClicks(dialog.password2, "secret-2")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "不一致" in dialog.boxes["password2"].error.text() and not (folder / "jydesk.sqlite3").exists()

    dialog.password2.clear()
    qtbot.keyClicks(dialog.password2, "secret-1")
    answers.append("ok")  # the recovery key message, answered once
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == SetupDialog.DialogCode.Accepted
    store = dialog.store
    try:
        inst = store.installation()
        assert (inst.village_code, inst.village_name, inst.town_code) == ("510185002003", "新桥社区", "510185002")
        assert dialog.actor is not None and dialog.actor.name == "张三"
        with store.read() as s:
            assert s.execute(select(Household)).first() is None
    finally:
        store.close()
    [question] = answers.asked
    assert dialog.recovery_key in question and LOSS_NOTICE in question
    slots = KeySlots.for_data_dir(folder)
    assert slots.usernames() == ["zhangsan"] and "新桥社区" in slots.village
    assert unlock_key(folder, "zhangsan", "secret-1") == slots.unlock_recovery(dialog.recovery_key) == store.key


def test_setup_rejects_a_code_outside_the_chosen_town(qtbot, app_styled, tmp_path):  # type: ignore[no-untyped-def]
    from jydesk.ui.shell.setup_dialog import SetupDialog

    dialog = SetupDialog(tmp_path / "empty")
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.village_name, "某村")
    dialog.village_code.setText("510185999001")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "一致" in dialog.boxes["village_code"].error.text()
    assert not (tmp_path / "empty" / "jydesk.sqlite3").exists()


def test_login_over_the_key_slots_opens_the_encrypted_store(qtbot, app_styled, demo_dir):  # type: ignore[no-untyped-def]
    from jydesk.ui.shell.login_dialog import LoginDialog

    dialog = LoginDialog(None, data_dir=demo_dir)
    qtbot.addWidget(dialog)
    assert [dialog.user.itemText(i) for i in range(dialog.user.count())] == [DEMO_USERNAME]
    dialog.user.setCurrentText(DEMO_USERNAME)
    qtbot.keyClicks(dialog.password, "bad-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.store is None and dialog.error.text() == "用户名或密码错误"
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == LoginDialog.DialogCode.Accepted and dialog.store is not None
    try:
        assert dialog.actor is not None and dialog.store.village() is not None
        with dialog.store.read() as s:
            last = s.execute(select(User.last_login_at).where(User.username == DEMO_USERNAME)).scalar_one()
        assert last is not None  # the login is recorded once the database is open
    finally:
        dialog.store.close()


def test_qt_dialogs_speak_chinese(app_styled):  # type: ignore[no-untyped-def]
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    assert QCoreApplication.translate("QPlatformTheme", "Save") == "保存"


def test_switching_clerk_at_the_lock_keeps_the_first_clerks_input_as_their_draft(main_window, qtbot, demo_store, answers):  # type: ignore[no-untyped-def]
    household_id = first_household_with(demo_store, 1)
    main_window.ctx.hub.open_record.emit("household", household_id)
    editor = main_window.panel("detail").editor
    type_text(qtbot, editor.note, "待核实收入")
    main_window.lock()
    demo = main_window.ctx.actor

    create_user(demo_store, "zhaoliu", "赵六", "zhaoliu-secret")
    main_window.set_clerk(actor_for(demo_store, "zhaoliu"), "zhaoliu")
    qtbot.wait(20)  # the draft offer for 赵六 runs (he has none: no question)
    assert not main_window.locked and main_window.ctx.actor.name == "赵六"
    assert not main_window.panel("detail").has_unsaved_changes()
    assert main_window.pending_drafts() == []

    answers.append("restore")
    main_window.set_clerk(demo, DEMO_USERNAME)
    qtbot.waitUntil(lambda: len(answers.asked) == 1)
    assert main_window.panel("detail").editor.note.text() == "待核实收入"
    assert main_window.panel("detail").has_unsaved_changes()


def test_a_new_panel_is_one_class(qtbot, app_styled, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel, QVBoxLayout

    from jydesk.ui.shell.main_window import MainWindow
    from jydesk.ui.shell.panel_base import NavEntry, Panel

    from ..conftest import _quiet

    class ReportsPanel(Panel):
        panel_id = "reports"
        title = "报表"
        area = "center"
        tab_with = "list"
        nav_entries = (NavEntry("reports", "月度报表", "统计", 50),)
        started = 0
        shown: list[str] = []

        def __init__(self, ctx):  # type: ignore[no-untyped-def]
            super().__init__(ctx)
            QVBoxLayout(self).addWidget(QLabel("报表"))

        def start(self) -> None:
            type(self).started += 1

        def show_entry(self, key: str) -> None:
            self.shown.append(key)

    window = MainWindow(demo_store, demo_actor, panel_classes=[*PANELS, ReportsPanel])
    qtbot.addWidget(window, before_close_func=_quiet)
    assert window.ctx.username == DEMO_USERNAME  # looked up when not given
    window.show()
    qtbot.waitUntil(lambda: ReportsPanel.started == 1)
    assert "报表" in [a.text() for a in window.view_menu.actions()]
    assert window.panel("navigation").item_for("reports") is not None
    dock = window.docks["reports"]
    assert dock.dockAreaWidget() is window.docks["list"].dockAreaWidget()  # tabbed beside 列表
    window.ctx.hub.navigate.emit("reports")
    assert ReportsPanel.shown == ["reports"] and dock.isCurrentTab()


def _fake_event_loop(monkeypatch, seen: dict) -> None:  # type: ignore[no-untyped-def]
    """Replace QApplication.exec: record the shown main window, close it quietly, return 0."""
    from PySide6.QtWidgets import QApplication

    from jydesk.ui.shell.main_window import MainWindow

    from ..conftest import close_quietly

    def run(self):  # type: ignore[no-untyped-def]
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen["title"] = windows[-1].windowTitle()
        seen["clerk"] = windows[-1].clerk_label.text()
        close_quietly(windows[-1])
        return 0

    monkeypatch.setattr(QApplication, "exec", run)


def test_run_app_logs_the_clerk_in_and_opens_the_main_window(app_styled, demo_dir, monkeypatch):  # type: ignore[no-untyped-def]
    from jydesk.ui.shell.app import run_app
    from jydesk.ui.shell.login_dialog import LoginDialog

    def clerk_types_password(self):  # type: ignore[no-untyped-def]
        self.password.setText(DEMO_PASSWORD)
        self.try_login()
        return self.result()

    monkeypatch.setattr(LoginDialog, "exec", clerk_types_password)
    seen: dict = {}
    _fake_event_loop(monkeypatch, seen)
    assert run_app(demo_dir) == 0
    assert seen["clerk"] == "专干：演示专干" and "演示专干" in seen["title"]


def test_run_app_on_an_empty_folder_starts_with_the_setup(app_styled, tmp_path, monkeypatch, answers):  # type: ignore[no-untyped-def]
    from jydesk.ui.shell.app import run_app
    from jydesk.ui.shell.setup_dialog import SetupDialog

    def clerk_fills_setup(self):  # type: ignore[no-untyped-def]
        self.town.setCurrentIndex(self.town.findData("510185001"))
        self.village_name.setText("安象街社区")
        self.village_code.setText("510185001001")
        self.username_edit.setText("wangli")
        self.display_name.setText("王丽")
        self.password.setText("wangli-2024")
        self.password2.setText("wangli-2024")
        self.finish()
        return self.result()

    monkeypatch.setattr(SetupDialog, "exec", clerk_fills_setup)
    answers.append("ok")  # the recovery key, shown once
    seen: dict = {}
    _fake_event_loop(monkeypatch, seen)
    assert run_app(tmp_path / "new") == 0
    assert seen["clerk"] == "专干：王丽" and "安象街社区" in seen["title"]
