"""The scalar inputs of the application-form editor: one widget per field type (line,
multi-line, choice, 是/否, multiple choice), each inside a FieldBox with its error under it.

Input that cannot be stored in its field's format stays in the widget: ``value()`` returns it
as typed, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLineEdit, QPlainTextEdit, QWidget

from jydesk.domain.forms import FieldSpec, FieldType
from jydesk.ui.widgets.fields import ChoiceBox, FieldBox

REF_TYPES = frozenset({FieldType.PERSON, FieldType.HOUSEHOLD})
LINE_TYPES = frozenset({FieldType.TEXT, FieldType.ID_NUMBER, FieldType.PHONE, FieldType.BANK_ACCOUNT,
                        FieldType.INTEGER, FieldType.MONEY, FieldType.NUMBER, FieldType.DATE})
PLACEHOLDERS = {
    FieldType.DATE: "如 2025-03-04",
    FieldType.MONEY: "元，如 1234.50",
    FieldType.ID_NUMBER: "18位身份证号",
    FieldType.PHONE: "手机或固定电话",
    FieldType.BANK_ACCOUNT: "银行卡号",
    FieldType.INTEGER: "整数",
}


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)



class FieldInput:
    """One scalar field: its widget (inside a FieldBox with the error under it) and its value."""

    def __init__(self, spec: FieldSpec, widget: QWidget, on_change: Callable[[str], None]) -> None:
        self.spec = spec
        self.widget = widget
        self.box = FieldBox(widget)
        self._on_change = on_change
        self.read_only = False
        if spec.hint:
            widget.setToolTip(spec.hint)

    def changed(self) -> None:
        self._on_change(self.spec.key)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.widget.setEnabled(not read_only)

    def set_error(self, message: str | None) -> None:
        self.box.set_error(message)


class LineInput(FieldInput):
    def __init__(self, spec: FieldSpec, on_change: Callable[[str], None]) -> None:
        edit = QLineEdit()
        edit.setPlaceholderText(PLACEHOLDERS.get(spec.type, ""))
        if spec.max_length and spec.type is FieldType.TEXT:
            edit.setMaxLength(spec.max_length + 20)  # longer input is shown as an error, not cut
        super().__init__(spec, edit, on_change)
        self.edit = edit
        edit.textEdited.connect(lambda _t: self.changed())

    def value(self) -> Any:
        text = self.edit.text().strip()
        return text or None

    def set_value(self, value: Any) -> None:
        self.edit.setText(as_text(value))

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.edit.setReadOnly(read_only)


class LongInput(FieldInput):
    def __init__(self, spec: FieldSpec, on_change: Callable[[str], None]) -> None:
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)
        lines = max(spec.layout.lines, 2)
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * (lines + 1) + 10)
        super().__init__(spec, edit, on_change)
        self.edit = edit
        edit.textChanged.connect(self._changed)
        self._setting = False

    def _changed(self) -> None:
        if not self._setting:
            self.changed()

    def value(self) -> Any:
        text = self.edit.toPlainText().strip()
        return text or None

    def set_value(self, value: Any) -> None:
        self._setting = True
        try:
            self.edit.setPlainText(as_text(value))
        finally:
            self._setting = False

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.edit.setReadOnly(read_only)


class ChoiceInput(FieldInput):
    def __init__(self, spec: FieldSpec, on_change: Callable[[str], None]) -> None:
        choices = ("是", "否") if spec.type is FieldType.BOOL else spec.choices
        combo = ChoiceBox(choices)
        super().__init__(spec, combo, on_change)
        self.combo = combo
        self._setting = False
        combo.edited.connect(self._changed)

    def _changed(self) -> None:
        if not self._setting:
            self.changed()

    def value(self) -> Any:
        return self.combo.value() or None

    def set_value(self, value: Any) -> None:
        self._setting = True
        try:
            self.combo.set_value(as_text(value))
        finally:
            self._setting = False


class MultiInput(FieldInput):
    def __init__(self, spec: FieldSpec, on_change: Callable[[str], None]) -> None:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for choice in spec.choices:
            box = QCheckBox(choice)
            box.toggled.connect(lambda _on: self._changed())
            row.addWidget(box)
            self.boxes[choice] = box
        row.addStretch(1)
        super().__init__(spec, holder, on_change)
        self._setting = False
        self._extra: list[str] = []  # stored values the form no longer lists: kept, not dropped

    def _changed(self) -> None:
        if not self._setting:
            self.changed()

    def value(self) -> Any:
        chosen = [c for c, box in self.boxes.items() if box.isChecked()] + self._extra
        return chosen or None

    def set_value(self, value: Any) -> None:
        items = value if isinstance(value, list) else [v for v in re.split(r"[、,，\s]+", as_text(value)) if v]
        self._setting = True
        try:
            for choice, box in self.boxes.items():
                box.setChecked(choice in items)
            self._extra = [v for v in items if v not in self.boxes]
        finally:
            self._setting = False


def make_input(spec: FieldSpec, on_change: Callable[[str], None]) -> FieldInput:
    if spec.type is FieldType.LONGTEXT:
        return LongInput(spec, on_change)
    if spec.type in (FieldType.CHOICE, FieldType.BOOL):
        return ChoiceInput(spec, on_change)
    if spec.type is FieldType.MULTICHOICE:
        return MultiInput(spec, on_change)
    return LineInput(spec, on_change)
