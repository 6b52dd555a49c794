"""专干账号 and 修改密码 dialogs: an administrator adds a clerk who can then log in; a mismatched
repeat is shown beside the field and nothing is saved; deactivation; menu visibility by role."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from jydesk.store import accounts
from jydesk.store.accounts import add_user, authenticate, create_user, list_users
from jydesk.ui.accounts.dialogs import AccountsDialog, AddClerkDialog, ChangePasswordDialog

from ..conftest import DEMO_PASSWORD, DEMO_USERNAME, actor_for
from ..helpers import counts, type_text


@pytest.fixture(autouse=True)
def light_hashing(monkeypatch):  # type: ignore[no-untyped-def]
    """Real argon2 with small cost parameters (the demo account's stored hash still verifies)."""
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def when_modal(qtbot, handle):  # type: ignore[no-untyped-def]
    """Run ``handle(dialog)`` on the next modal dialog once it is shown (exec() blocks the test)."""
    done = []

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None or not modal.isVisible():
            QTimer.singleShot(20, poll)
            return
        try:
            handle(modal)
        finally:
            done.append(modal)

    QTimer.singleShot(0, poll)
    return done


def fill_add_dialog(qtbot, dialog: AddClerkDialog, *, repeat: str = "lisi-secret-1") -> None:  # type: ignore[no-untyped-def]
    type_text(qtbot, dialog.username, "lisi")
    type_text(qtbot, dialog.display_name, "李四")
    type_text(qtbot, dialog.password, "lisi-secret-1")
    type_text(qtbot, dialog.password2, repeat)


def test_admin_adds_a_clerk_through_the_dialog_who_can_then_log_in(qtbot, app_styled, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    dialog = AccountsDialog(demo_store, demo_actor)
    qtbot.addWidget(dialog)
    dialog.show()
    assert [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())] == [DEMO_USERNAME]
    assert dialog.table.item(0, 2).text() == "管理员"
    assert [dialog.table.horizontalHeaderItem(c).text() for c in range(5)] == ["用户名", "姓名", "角色", "状态", "最近登录"]

    def add(modal) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(modal, AddClerkDialog)
        fill_add_dialog(qtbot, modal)
        qtbot.keyClick(modal.password2, Qt.Key.Key_Return)  # Enter submits (default button)

    done = when_modal(qtbot, add)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert done
    rows = {dialog.table.item(r, 0).text(): r for r in range(dialog.table.rowCount())}
    assert set(rows) == {DEMO_USERNAME, "lisi"}
    row = rows["lisi"]
    assert [dialog.table.item(row, c).text() for c in range(5)] == ["lisi", "李四", "专干", "正常", "从未登录"]
    assert dialog.selected() is not None and dialog.selected().username == "lisi"

    result = authenticate(demo_store, "lisi", "lisi-secret-1")
    assert result.ok and result.actor is not None and result.actor.name == "李四"


def test_mismatched_repeat_is_shown_beside_the_field_and_nothing_is_saved(qtbot, app_styled, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    before = counts(demo_store)
    dialog = AddClerkDialog(demo_store, demo_actor)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_add_dialog(qtbot, dialog, repeat="lisi-secret-2")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.added is None
    assert dialog.boxes["password2"].message == "两次输入的密码不一致"
    assert dialog.boxes["password2"].error.isVisible()
    assert not dialog.boxes["password"].message and not dialog.boxes["username"].message
    assert [u.username for u in list_users(demo_store)] == [DEMO_USERNAME]
    assert counts(demo_store) == before

    # a store rule (duplicate username) lands beside its own field too
    dialog.password2.clear()
    type_text(qtbot, dialog.password2, "lisi-secret-1")
    dialog.username.clear()
    type_text(qtbot, dialog.username, DEMO_USERNAME)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "已存在" in dialog.boxes["username"].message and not dialog.boxes["password2"].message
    assert dialog.added is None and len(list_users(demo_store)) == 1


def test_deactivate_needs_confirmation_and_the_last_admin_is_refused(qtbot, app_styled, demo_store, demo_actor, answers):  # type: ignore[no-untyped-def]
    add_user(demo_store, demo_actor, "lisi", "李四", "lisi-secret-1")
    dialog = AccountsDialog(demo_store, demo_actor)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select_username(DEMO_USERNAME)
    assert not dialog.active_button.isEnabled()  # not one's own account
    dialog.select_username("lisi")
    assert dialog.active_button.text() == "停用(&D)"
    answers.append("no")
    dialog.active_button.click()
    assert authenticate(demo_store, "lisi", "lisi-secret-1").ok
    answers.append("yes")
    dialog.active_button.click()
    assert "停用" in answers.asked[-1]
    assert not authenticate(demo_store, "lisi", "lisi-secret-1").ok
    assert dialog.selected().username == "lisi" and dialog.active_button.text() == "启用(&E)"
    row = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())].index("lisi")
    assert dialog.table.item(row, 3).text() == "已停用"
    dialog.active_button.click()  # re-enabling asks nothing
    assert authenticate(demo_store, "lisi", "lisi-secret-1").ok

    # lisi becomes an administrator, then tries to demote the demo account: allowed (one admin remains);
    # the reverse for the last one is refused with the message shown in the dialog
    dialog.role_button.click()
    lisi = actor_for(demo_store, "lisi")
    as_lisi = AccountsDialog(demo_store, lisi)
    qtbot.addWidget(as_lisi)
    as_lisi.show()
    as_lisi.select_username(DEMO_USERNAME)
    as_lisi.role_button.click()
    assert {u.username: u.role for u in list_users(demo_store)} == {DEMO_USERNAME: "clerk", "lisi": "admin"}
    dialog.refresh()
    dialog.select_username("lisi")
    dialog.role_button.click()  # demo is no longer an administrator
    assert "只有管理员" in dialog.error.text() and dialog.error.isVisible()


def test_clerk_changes_own_password_from_the_menu(qtbot, main_window, demo_store):  # type: ignore[no-untyped-def]
    assert main_window.act_accounts.isVisible() and main_window.act_change_password.isVisible()

    def change(modal) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(modal, ChangePasswordDialog)
        type_text(qtbot, modal.old_password, "wrong-one")
        type_text(qtbot, modal.new_password, "demo-new-pass")
        type_text(qtbot, modal.new_password2, "demo-new-pass")
        modal.ok_button.click()
        assert modal.boxes["old_password"].message == "原密码不正确" and modal.isVisible()
        modal.old_password.clear()
        type_text(qtbot, modal.old_password, DEMO_PASSWORD)
        modal.ok_button.click()

    done = when_modal(qtbot, change)
    main_window.act_change_password.trigger()
    assert done
    assert "密码已修改" in main_window.statusBar().currentMessage()
    assert authenticate(demo_store, DEMO_USERNAME, "demo-new-pass").ok
    assert not authenticate(demo_store, DEMO_USERNAME, DEMO_PASSWORD).ok


def test_account_management_is_offered_to_administrators_only(qtbot, main_window, demo_store):  # type: ignore[no-untyped-def]
    clerk = create_user(demo_store, "wangwu", "王五", "wangwu-pass")
    main_window.set_clerk(clerk, "wangwu")
    assert not main_window.act_accounts.isVisible() and main_window.act_change_password.isVisible()
    main_window.manage_accounts()  # e.g. a stale shortcut: refused, no dialog
    assert QApplication.activeModalWidget() is None
    assert "只有管理员" in main_window.statusBar().currentMessage()
    main_window.set_clerk(actor_for(demo_store, DEMO_USERNAME), DEMO_USERNAME)
    assert main_window.act_accounts.isVisible()
