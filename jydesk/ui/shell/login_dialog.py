"""Login dialog: a clerk account of this installation and its password (argon2, growing delay).

At start (no store yet) the password unwraps the clerk's key slot, which opens the encrypted
database (``jydesk.store.unlock``); inside the running app (switching clerk) it is checked
against the open database.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from jydesk.store.actor import Actor
from jydesk.store.crypto import DataKey
from jydesk.store.database import Store
from jydesk.store.keyslots import KeySlots
from jydesk.store.quick_reads import active_usernames
from jydesk.ui.widgets.fields import ErrorLabel
from jydesk.ui.widgets.wait_button import WaitCountdown


class LoginDialog(QDialog):
    """``exec()`` returns Accepted with :attr:`actor` and :attr:`username` set after a good login.

    Given ``data_dir`` instead of a store, a good login also sets :attr:`store` (opened with the
    unwrapped key); if the data file then turns out damaged, :attr:`key` is set and
    :attr:`damage` holds the message (the caller offers a backup)."""

    def __init__(self, store: Store | None, parent: QWidget | None = None, *, village: str = "",
                 username: str | None = None, purpose: str = "登录", data_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.data_dir = data_dir
        self.actor: Actor | None = None
        self.key: DataKey | None = None
        self.damage: str | None = None
        self.failures = 0
        self.username = ""
        self.setWindowTitle(f"jydesk — {purpose}")
        self.setModal(True)
        self.setMinimumWidth(400)

        title = QLabel("简阳市民政专干业务系统")
        title.setObjectName("dialogTitle")
        subtitle = QLabel(village or "请输入专干账号和密码")
        subtitle.setObjectName("dialogSubtitle")
        self.user = QComboBox()
        self.user.setEditable(True)
        self.user.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        if store is not None:
            for login, display in active_usernames(store):
                self.user.addItem(f"{login}", login)
                self.user.setItemData(self.user.count() - 1, display, Qt.ItemDataRole.ToolTipRole)
        elif data_dir is not None:
            for login in KeySlots.for_data_dir(data_dir).usernames():
                self.user.addItem(login, login)
        if username:
            self.user.setCurrentText(username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("密码")
        self.error = ErrorLabel()
        self.login_button = QPushButton("登录")
        self.login_button.setObjectName("primaryButton")
        self.login_button.setDefault(True)
        self.cancel_button = QPushButton("取消" if purpose != "登录" else "退出")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("用户名", self.user)
        form.addRow("密码", self.password)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.login_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.login_button.clicked.connect(self.try_login)
        self.password.returnPressed.connect(self.try_login)
        self.cancel_button.clicked.connect(self.reject)
        self.countdown = WaitCountdown(self.login_button, "登录")
        (self.password if self.user.currentText() else self.user).setFocus()

    def try_login(self) -> None:
        if not self.login_button.isEnabled():
            return
        username = self.user.currentText().strip()
        if not username:
            self.error.show_message("请输入用户名")
            self.user.setFocus()
            return
        if not self.password.text():
            self.error.show_message("请输入密码")
            self.password.setFocus()
            return
        if self.store is None:
            self._unlock(username)
            return
        from jydesk.store.accounts import authenticate  # loaded behind the dialog (Store.warm_up)

        result = authenticate(self.store, username, self.password.text())
        if result.ok and result.actor is not None:
            self.actor, self.username = result.actor, username
            self.accept()
            return
        self.error.show_message(result.message)
        self.password.selectAll()
        self.password.setFocus()
        self.countdown.start(result.wait_seconds)

    def _unlock(self, username: str) -> None:
        """Unwrap the data key with the password, open the database, record the login."""
        from jydesk.store.accounts import failure_delay
        from jydesk.store.database import damage_message
        from jydesk.store.unlock import LoginRefused, login, unlock_key

        assert self.data_dir is not None
        try:
            key = unlock_key(self.data_dir, username, self.password.text())
            self.store, self.actor = login(self.data_dir, username, self.password.text(), key=key)
        except LoginRefused as exc:
            self.failures += 1
            self.error.show_message(str(exc))
            self.password.selectAll()
            self.password.setFocus()
            self.countdown.start(failure_delay(self.failures))
            return
        except Exception as exc:  # a damaged data file: the caller offers the newest good backup
            message = damage_message(exc, self.data_dir / "jydesk.sqlite3")
            if message is None:
                raise
            self.key, self.damage = key, message
        self.username = username
        self.accept()
