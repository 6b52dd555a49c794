"""Small input helpers: a field with its error message right under it, combo boxes of fixed choices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget


class ErrorLabel(QLabel):
    """A red one-line (wrapping) message; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_message(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))


class FieldBox(QWidget):
    """An input widget (plus optional extras beside it) and its error message under it."""

    def __init__(self, widget: QWidget, *extras: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = widget
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(widget, 1)
        for extra in extras:
            row.addWidget(extra)
        outer.addLayout(row)
        self.error = ErrorLabel(self)
        outer.addWidget(self.error)

    def set_error(self, message: str | None) -> None:
        if message == (self.error.text() or None) and self.error.isVisible() == bool(message):
            return
        self.error.show_message(message)
        set_flag(self.widget, "invalid", bool(message))

    @property
    def message(self) -> str:
        return self.error.text() if self.error.isVisible() or self.error.text() else ""


class ChoiceBox(QComboBox):
    """A non-editable combo of fixed Chinese choices; ``value()`` is "" when nothing is chosen."""

    edited = Signal()

    def __init__(self, choices: Iterable[str] | Sequence[tuple[str, str]], *, blank: str | None = "（未填）",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if blank is not None:
            self.addItem(blank, "")
        for choice in choices:
            if isinstance(choice, tuple):
                self.addItem(choice[1], choice[0])
            else:
                self.addItem(choice, choice)
        self.currentIndexChanged.connect(lambda _i: self.edited.emit())

    def value(self) -> str:
        data = self.currentData()
        return "" if data is None else str(data)

    def set_value(self, value: str | None) -> None:
        index = self.findData(value or "")
        if index < 0 and value:
            self.addItem(value, value)  # keep an unknown stored value visible rather than lose it
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))


def set_flag(widget: QWidget, name: str, value: bool) -> None:
    """Set a boolean property used by the stylesheet; re-polish only when it changes (polish is slow)."""
    if bool(widget.property(name)) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def line_edit(placeholder: str = "", max_length: int | None = None) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    if max_length:
        edit.setMaxLength(max_length)
    return edit
