"""Inactivity lock: an application-wide idle timer and the overlay that asks for the password.

Locking hides nothing from the editors: their widgets keep every character typed (and the
main window writes drafts before locking); the overlay only covers them until the clerk
types the password again, or another clerk logs in.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from jydesk.ui.widgets.fields import ErrorLabel
from jydesk.ui.widgets.wait_button import WaitCountdown

ACTIVITY_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.InputMethod,
})


class IdleWatcher(QObject):
    """Emits ``idle`` after ``timeout_ms`` without keyboard or mouse input anywhere in the app."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_timeout(timeout_ms)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_timeout(self, timeout_ms: int) -> None:
        self.timer.setInterval(max(10, int(timeout_ms)))
        self.timer.start()

    def pause(self) -> None:
        self.timer.stop()

    def resume(self) -> None:
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS and self.timer.isActive():
            self.timer.start()
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockOverlay(QWidget):
    """Covers the main window; ``unlock_requested(password)`` or ``switch_requested()``."""

    unlock_requested = Signal(str)
    switch_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFixedWidth(420)
        self.title = QLabel("已锁定")
        self.title.setObjectName("lockTitle")
        self.who = QLabel()
        self.who.setObjectName("lockWho")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("lockNote")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("输入密码解锁")
        self.error = ErrorLabel()
        self.unlock_button = QPushButton("解锁")
        self.unlock_button.setObjectName("primaryButton")
        self.unlock_button.setDefault(True)
        self.switch_button = QPushButton("切换专干…")
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(10)
        inner.addWidget(self.title)
        inner.addWidget(self.who)
        inner.addWidget(self.note)
        inner.addSpacing(6)
        inner.addWidget(self.password)
        inner.addWidget(self.error)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.unlock_button.clicked.connect(self._unlock)
        self.password.returnPressed.connect(self._unlock)
        self.switch_button.clicked.connect(self.switch_requested)
        self.countdown = WaitCountdown(self.unlock_button, "解锁")
        parent.installEventFilter(self)
        self.hide()

    def show_for(self, clerk: str, minutes: int | None) -> None:
        self.who.setText(f"当前专干：{clerk}")
        reason = f"闲置 {minutes} 分钟，" if minutes else ""
        self.note.setText(f"{reason}为保护居民个人信息，窗口已锁定。尚未保存的录入内容均已保留。")
        self.password.clear()
        self.error.show_message(None)
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.password.setFocus()

    def show_error(self, message: str, wait_seconds: float = 0.0) -> None:
        self.error.show_message(message)
        self.password.selectAll()
        self.password.setFocus()
        self.countdown.start(wait_seconds)

    def _unlock(self) -> None:
        if self.unlock_button.isEnabled():
            self.unlock_requested.emit(self.password.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
        return False
