"""Clerk accounts: the administrators' list (新增专干, 重置密码, 停用/启用, 角色) and every
clerk's own 修改密码. The rules live in :mod:`jydesk.store.accounts`; these dialogs show their
Chinese messages beside the field concerned.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain.errors import ValidationError
from jydesk.store import accounts, faults
from jydesk.store.accounts import ADMIN, CLERK, ROLE_NAMES, UserInfo
from jydesk.store.database import Store
from jydesk.store.unit_of_work import Actor
from jydesk.ui.widgets import ask
from jydesk.ui.widgets.fields import ChoiceBox, ErrorLabel, FieldBox

COLUMNS = ("用户名", "姓名", "角色", "状态", "最近登录")
MISMATCH = "两次输入的密码不一致"


def local_time_text(at: datetime | None) -> str:
    """A stored UTC time as local 'YYYY-MM-DD HH:MM' ('从未登录' when empty)."""
    if at is None:
        return "从未登录"
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return aware.astimezone().strftime("%Y-%m-%d %H:%M")


def password_edit(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(accounts.MAX_PASSWORD)
    edit.setPlaceholderText(placeholder)
    return edit


class _FormDialog(QDialog):
    """A small form: ``boxes`` (field name -> FieldBox), a general error line and OK/取消."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(420)
        self.boxes: dict[str, FieldBox] = {}
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.error = ErrorLabel()
        self.ok_button = QPushButton(ok_text)
        self.ok_button.setObjectName("primaryButton")
        self.ok_button.setDefault(True)
        self.cancel_button = QPushButton("取消")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)

    def add_field(self, key: str, label: str, widget: QWidget) -> None:
        box = FieldBox(widget)
        self.boxes[key] = box
        self.form.addRow(label, box)
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(lambda _t, k=key: self.boxes[k].set_error(None))

    def show_errors(self, errors: dict[str, str], general: str | None = None) -> None:
        """Messages beside their fields (unknown fields go to the general line); focus the first."""
        unplaced = [m for k, m in errors.items() if k not in self.boxes]
        for key, box in self.boxes.items():
            box.set_error(errors.get(key))
        lines = ([general] if general else []) + unplaced
        if not lines and errors:
            lines = ["请按提示修改后再试"]
        self.error.show_message("；".join(lines) or None)
        first = next((box for key, box in self.boxes.items() if key in errors), None)
        if first is not None:
            first.widget.setFocus()
            if isinstance(first.widget, QLineEdit):
                first.widget.selectAll()

    def show_validation(self, exc: ValidationError) -> None:
        if isinstance(exc, accounts.AccountPermissionError):
            self.show_errors({}, general=exc.message)
            return
        errors: dict[str, str] = {}
        for e in exc.errors:
            errors.setdefault(e.field, e.message)
        self.show_errors(errors)

    def submit(self) -> None:
        raise NotImplementedError


class AddClerkDialog(_FormDialog):
    """新增专干: username, name, password twice, role. ``added`` is the new account's Actor."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__("新增专干账号", "创建账号", parent)
        self.store, self.actor = store, actor
        self.added: Actor | None = None
        self.username = QLineEdit()
        self.username.setMaxLength(accounts.MAX_NAME)
        self.username.setPlaceholderText("登录用，例如 lisi")
        self.display_name = QLineEdit()
        self.display_name.setMaxLength(accounts.MAX_NAME)
        self.display_name.setPlaceholderText("专干姓名")
        self.password = password_edit(f"至少{accounts.MIN_PASSWORD}位")
        self.password2 = password_edit("再次输入密码")
        self.role = ChoiceBox([(CLERK, ROLE_NAMES[CLERK]), (ADMIN, f"{ROLE_NAMES[ADMIN]}（可管理专干账号）")],
                              blank=None)
        self.add_field("username", "用户名", self.username)
        self.add_field("display_name", "姓名", self.display_name)
        self.add_field("password", "密码", self.password)
        self.add_field("password2", "确认密码", self.password2)
        self.add_field("role", "角色", self.role)
        self.username.setFocus()

    def submit(self) -> None:
        if self.password.text() != self.password2.text():
            self.show_errors({"password2": MISMATCH})
            return
        try:
            with faults.saving():
                self.added = accounts.add_user(self.store, self.actor, self.username.text(), self.display_name.text(),
                                               self.password.text(), role=self.role.value())
        except ValidationError as exc:
            self.show_validation(exc)
            return
        self.accept()


class ResetPasswordDialog(_FormDialog):
    """管理员重置密码: the new password twice."""

    def __init__(self, store: Store, actor: Actor, user: UserInfo, parent: QWidget | None = None) -> None:
        super().__init__(f"重置密码 — {user.display_name}（{user.username}）", "重置密码", parent)
        self.store, self.actor, self.user = store, actor, user
        note = QLabel("为忘记密码的专干设置新密码，并解除登录失败造成的等待。请当面把新密码告知本人，"
                      "并提醒其登录后在“工具 → 修改密码”中改为只有自己知道的密码。")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.new_password = password_edit(f"至少{accounts.MIN_PASSWORD}位")
        self.new_password2 = password_edit("再次输入新密码")
        self.add_field("new_password", "新密码", self.new_password)
        self.add_field("new_password2", "确认新密码", self.new_password2)
        self.new_password.setFocus()

    def submit(self) -> None:
        if self.new_password.text() != self.new_password2.text():
            self.show_errors({"new_password2": MISMATCH})
            return
        try:
            with faults.saving():
                accounts.reset_password(self.store, self.actor, self.user.id, self.new_password.text())
        except ValidationError as exc:
            self.show_validation(exc)
            return
        self.accept()


class ChangePasswordDialog(_FormDialog):
    """修改密码 for the logged-in clerk: the old password, then the new one twice."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(f"修改密码 — {actor.name}", "修改密码", parent)
        self.store, self.actor = store, actor
        self.old_password = password_edit("当前使用的密码")
        self.new_password = password_edit(f"至少{accounts.MIN_PASSWORD}位，不能与用户名相同")
        self.new_password2 = password_edit("再次输入新密码")
        self.add_field("old_password", "原密码", self.old_password)
        self.add_field("new_password", "新密码", self.new_password)
        self.add_field("new_password2", "确认新密码", self.new_password2)
        self.old_password.setFocus()

    def submit(self) -> None:
        if not self.old_password.text():
            self.show_errors({"old_password": "请输入原密码"})
            return
        if self.new_password.text() != self.new_password2.text():
            self.show_errors({"new_password2": MISMATCH})
            return
        try:
            with faults.saving():
                accounts.change_password(self.store, self.actor, self.actor.id, self.old_password.text(),
                                         self.new_password.text())
        except ValidationError as exc:
            self.show_validation(exc)
            return
        self.accept()


class AccountsDialog(QDialog):
    """专干账号 (administrators): the accounts table and what an administrator may do with them."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.users: list[UserInfo] = []
        self.setWindowTitle("专干账号")
        self.setModal(True)
        self.resize(720, 420)
        intro = QLabel("停用的账号不能再登录，但其录入的记录和审计日志都会保留；账号不能删除。"
                       "管理员可以新增专干、重置密码和停用账号。")
        intro.setWordWrap(True)
        intro.setObjectName("dialogSubtitle")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.error = ErrorLabel()
        self.add_button = QPushButton("新增专干(&N)…")
        self.reset_button = QPushButton("重置密码(&R)…")
        self.active_button = QPushButton("停用(&D)")
        self.role_button = QPushButton("设为管理员(&A)")
        self.close_button = QPushButton("关闭")
        for button in (self.add_button, self.reset_button, self.active_button, self.role_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.reset_button, self.active_button, self.role_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.add_button.clicked.connect(self.add_clerk)
        self.reset_button.clicked.connect(self.reset_selected)
        self.active_button.clicked.connect(self.toggle_active)
        self.role_button.clicked.connect(self.toggle_role)
        self.close_button.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.reset_selected())
        self.refresh()
        self.table.setFocus()

    # ---- table ----

    def refresh(self, select_id: str | None = None) -> None:
        current = select_id or (self.selected().id if self.selected() else None)
        self.users = accounts.list_users(self.store)
        self.table.setRowCount(len(self.users))
        for row, user in enumerate(self.users):
            status = "正常" if user.active else "已停用"
            if user.active and user.failed_logins >= 3:
                status = f"正常（连续{user.failed_logins}次密码错误）"
            name = user.display_name + ("（当前登录）" if user.id == self.actor.id else "")
            for col, text in enumerate((user.username, name, user.role_name, status,
                                        local_time_text(user.last_login_at))):
                item = QTableWidgetItem(text)
                if not user.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(row, col, item)
        index = next((i for i, u in enumerate(self.users) if u.id == current), 0 if self.users else -1)
        if index >= 0:
            self.table.selectRow(index)
        self._selection_changed()

    def selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.users):
            return None
        return self.users[rows[0].row()]

    def select_username(self, username: str) -> None:
        for row, user in enumerate(self.users):
            if user.username == username:
                self.table.selectRow(row)
                return

    def _selection_changed(self) -> None:
        user = self.selected()
        self.error.show_message(None)
        for button in (self.reset_button, self.active_button, self.role_button):
            button.setEnabled(user is not None)
        if user is None:
            return
        self.active_button.setText("启用(&E)" if not user.active else "停用(&D)")
        self.role_button.setText("设为专干(&C)" if user.is_admin else "设为管理员(&A)")
        mine = user.id == self.actor.id
        self.active_button.setEnabled(not mine)
        self.role_button.setEnabled(not mine and user.active)
        self.reset_button.setEnabled(user.active)

    def _fail(self, exc: ValidationError) -> None:
        self.error.show_message(exc.message)

    # ---- commands ----

    def add_clerk(self) -> None:
        dialog = AddClerkDialog(self.store, self.actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        added = dialog.added if dialog.exec() == QDialog.DialogCode.Accepted else None
        if added is not None:
            self.refresh(select_id=added.id)

    def reset_selected(self) -> None:
        user = self.selected()
        if user is None or not user.active:
            return
        if user.id == self.actor.id:
            self.error.show_message("自己的密码请用“修改密码”修改（需要原密码）")
            return
        dialog = ResetPasswordDialog(self.store, self.actor, user, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh(select_id=user.id)
            self.error.show_message(None)

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.active and not ask.confirm(
                self, "停用账号", f"停用专干账号“{user.display_name}（{user.username}）”？\n\n"
                "停用后该账号不能再登录；其录入的记录和审计日志都会保留，以后可以重新启用。",
                yes="停用"):
            return
        try:
            with faults.saving():
                accounts.set_active(self.store, self.actor, user.id, not user.active)
        except ValidationError as exc:
            self._fail(exc)
            return
        self.refresh(select_id=user.id)

    def toggle_role(self) -> None:
        user = self.selected()
        if user is None:
            return
        role = CLERK if user.is_admin else ADMIN
        try:
            with faults.saving():
                accounts.set_role(self.store, self.actor, user.id, role)
        except ValidationError as exc:
            self._fail(exc)
            return
        self.refresh(select_id=user.id)
