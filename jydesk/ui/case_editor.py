"""The application-form editor, generated from the form definition (forms/<code>.toml).

One widget per field type (line, multi-line, choice, 是/否, multiple choice, the repeating
members table), prefilled values from the case, computed totals kept up to date as the clerk
types (with the 低保 standard in force on the application date shown beside 月人均收入),
inline validation at each field, the workflow buttons with their preconditions, the 办理记录
and the server-owned decision, read-only. The editor holds no rule: validation is the form
definition's, the workflow is ``jydesk.domain.casework``'s, saving is ``jydesk.store.cases``'s.

Input that cannot be stored in its field's format (e.g. letters in a money field) stays in
the widget, is shown with its message and is kept in the local draft: nothing typed is lost.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain import casework
from jydesk.domain.casework import TransitionRefused
from jydesk.domain.entities import CaseStatus
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FieldSpec, FieldType, FilledBy, FormDefinition, SectionKind, get_definition
from jydesk.store import cases as svc
from jydesk.store.cases import CaseDetail
from jydesk.ui.context import AppContext
from jydesk.ui.editors.fields import ChoiceBox, ErrorLabel, FieldBox

log = logging.getLogger(__name__)

VALIDATE_DELAY_MS = 250
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
PER_CAPITA = "per_capita_income"
_CELL = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")
ERROR_BRUSH = QBrush(QColor("#fde2e1"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


# ------------------------------------------------------------------ scalar inputs


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
        self.edit.setText(_text(value))

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
            self.edit.setPlainText(_text(value))
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
            self.combo.set_value(_text(value))
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
        items = value if isinstance(value, list) else [v for v in re.split(r"[、,，\s]+", _text(value)) if v]
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


# ------------------------------------------------------------------ the repeating table


class _ChoiceDelegate(QStyledItemDelegate):
    """A combo box editor for the table's choice columns."""

    def __init__(self, choices: dict[int, tuple[str, ...]], parent: QWidget) -> None:
        super().__init__(parent)
        self.choices = choices

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        choices = self.choices.get(index.column())
        if choices is None:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        combo.addItems(["", *choices])
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            text = str(index.data() or "")
            if editor.findText(text) < 0:
                editor.addItem(text)
            editor.setCurrentText(text)
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText())
            return
        super().setModelData(editor, model, index)


class TableInput(FieldInput):
    """The repeating rows of a table field (e.g. 家庭成员); hidden record links kept per row."""

    def __init__(self, spec: FieldSpec, on_change: Callable[[str], None]) -> None:
        self.columns = [c for c in spec.columns if c.stores_value and c.type not in REF_TYPES]
        self.hidden = [c for c in spec.columns if c.type in REF_TYPES]
        table = QTableWidget(0, len(self.columns))
        table.setHorizontalHeaderLabels([c.label for c in self.columns])
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        table.verticalHeader().setDefaultSectionSize(26)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        for i, col in enumerate(self.columns):
            table.setColumnWidth(i, int(70 * col.layout.width) + 10)
        choices = {i: (("是", "否") if c.type is FieldType.BOOL else c.choices)
                   for i, c in enumerate(self.columns) if c.type in (FieldType.CHOICE, FieldType.BOOL)}
        table.setItemDelegate(_ChoiceDelegate(choices, table))
        self.table = table
        self.add_button = QPushButton("添加一行")
        self.remove_button = QPushButton("删除所选行")
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(table)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        super().__init__(spec, holder, on_change)
        self._setting = False
        self.cell_errors: dict[tuple[int, str], str] = {}
        table.itemChanged.connect(self._item_changed)
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_selected)

    def _item_changed(self, _item: QTableWidgetItem) -> None:
        if not self._setting:
            self.changed()

    def _fit_height(self) -> None:
        rows = max(self.table.rowCount(), 3)
        header = self.table.horizontalHeader().height() or 28
        self.table.setFixedHeight(header + rows * self.table.verticalHeader().defaultSectionSize() + 24)

    def add_row(self, values: dict[str, Any] | None = None) -> int:
        values = values or {}
        setting, self._setting = self._setting, True
        try:
            row = self.table.rowCount()
            self.table.insertRow(row)
            for i, col in enumerate(self.columns):
                item = QTableWidgetItem(_text(values.get(col.key)))
                if i == 0:
                    item.setData(Qt.ItemDataRole.UserRole, {c.key: values.get(c.key) for c in self.hidden})
                self.table.setItem(row, i, item)
        finally:
            self._setting = setting
        self._fit_height()
        if not self._setting:
            self.changed()
        return row

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        if not rows and self.table.currentRow() >= 0:
            rows = [self.table.currentRow()]
        for row in rows:
            self.table.removeRow(row)
        self._fit_height()
        if rows:
            self.changed()

    def value(self) -> Any:
        rows: list[dict[str, Any]] = []
        for r in range(self.table.rowCount()):
            row: dict[str, Any] = {}
            for i, col in enumerate(self.columns):
                item = self.table.item(r, i)
                text = item.text().strip() if item is not None else ""
                row[col.key] = text or None
            if all(v is None for v in row.values()):
                continue
            first = self.table.item(r, 0)
            hidden = first.data(Qt.ItemDataRole.UserRole) if first is not None else None
            if isinstance(hidden, dict):
                row.update({k: v for k, v in hidden.items() if v})
            rows.append(row)
        return rows or None

    def set_value(self, value: Any) -> None:
        self._setting = True
        try:
            self.table.setRowCount(0)
            for row in value if isinstance(value, list) else []:
                if isinstance(row, dict):
                    self.add_row(row)
        finally:
            self._setting = False
        self._fit_height()

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if read_only
                                   else QAbstractItemView.EditTrigger.AllEditTriggers)
        self.add_button.setEnabled(not read_only)
        self.remove_button.setEnabled(not read_only)

    def set_cell_errors(self, errors: dict[tuple[int, str], str]) -> None:
        self.cell_errors = errors
        setting, self._setting = self._setting, True
        try:
            for r in range(self.table.rowCount()):
                for i, col in enumerate(self.columns):
                    item = self.table.item(r, i)
                    if item is None:
                        continue
                    message = errors.get((r, col.key))
                    item.setBackground(ERROR_BRUSH if message else QBrush())
                    item.setToolTip(message or "")
        finally:
            self._setting = setting


# ------------------------------------------------------------------ the editor


class CaseEditor(QWidget):
    """Edits one case. Signals: ``saved(case_id)``, ``moved(case_id, status)``, ``dirty_changed``,
    ``print_requested(case_id, companion_code)`` ("" = the application form itself)."""

    saved = Signal(str)
    moved = Signal(str, str)
    dirty_changed = Signal(bool)
    edited = Signal()
    print_requested = Signal(str, str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case: CaseDetail | None = None
        self.defn: FormDefinition | None = None
        self.inputs: dict[str, FieldInput] = {}
        self._baseline = ""
        self._dirty = False
        self._touched: set[str] = set()
        self._show_all = False
        self._sticky: list[FieldError] = []  # save/transition errors kept until the field is edited
        self._loading = False

        self.heading = QLabel()
        self.heading.setObjectName("editorHeading")
        self.state = QLabel()
        self.state.setObjectName("editorState")
        self.deadline_label = QLabel()
        self.deadline_label.setObjectName("editorState")
        self.banner = ErrorLabel()
        self.banner.setObjectName("formBanner")
        self.info = QLabel()
        self.info.setObjectName("derivedInfo")
        self.info.setWordWrap(True)
        self.info.hide()
        self.save_button = QPushButton("保存")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setToolTip("保存当前录入（Ctrl+S）；未填完也可随时保存")
        self.print_button = QPushButton("打印预览")
        self.companion_buttons: list[QPushButton] = []
        self.action_row = QHBoxLayout()
        self.action_buttons: dict[CaseStatus, QPushButton] = {}
        self.standard_label: QLabel | None = None
        self.decision_labels: dict[str, QLabel] = {}

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.save_button)
        top.addWidget(self.print_button)
        self.companion_row = QHBoxLayout()
        status_row = QHBoxLayout()
        status_row.addWidget(self.state)
        status_row.addWidget(self.deadline_label, 1)
        status_row.addLayout(self.companion_row)
        status_row.addLayout(self.action_row)

        self.form_holder = QWidget()
        self.form_layout = QVBoxLayout(self.form_holder)
        self.form_layout.setContentsMargins(0, 0, 6, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form_holder)
        self.scroll = scroll

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addLayout(status_row)
        layout.addWidget(self.banner)
        layout.addWidget(self.info)
        layout.addWidget(scroll, 1)

        self.validate_timer = QTimer(self)
        self.validate_timer.setSingleShot(True)
        self.validate_timer.setInterval(VALIDATE_DELAY_MS)
        self.validate_timer.timeout.connect(self.refresh)
        self.save_button.clicked.connect(self.save)
        self.print_button.clicked.connect(lambda: self._request_print(""))

    # ---- building from the definition ----

    def _build(self, defn: FormDefinition) -> None:
        while self.form_layout.count():
            item = self.form_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.inputs = {}
        self.standard_label: QLabel | None = None
        for section in defn.sections:
            fields = [f for f in section.fields if f.stores_value and f.type not in REF_TYPES]
            if not fields or section.kind in (SectionKind.TEXT, SectionKind.SIGNATURE):
                continue
            title = section.title or ("表头" if section.kind is SectionKind.HEADER else "")
            group = QGroupBox(title)
            grid = QGridLayout(group)
            grid.setColumnStretch(1, 1)
            grid.setColumnStretch(3, 1)
            row, col = 0, 0
            for spec in fields:
                widget = TableInput(spec, self._field_edited) if spec.type is FieldType.TABLE else \
                    make_input(spec, self._field_edited)
                self.inputs[spec.key] = widget
                label = QLabel(spec.label + (f"（{spec.unit}）" if spec.unit else "") + ("＊" if spec.required else ""))
                label.setObjectName("fieldCaption")
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                wide = spec.type in (FieldType.TABLE, FieldType.LONGTEXT, FieldType.MULTICHOICE)
                if wide and col:
                    row, col = row + 1, 0
                grid.addWidget(label, row, col)
                extra: QWidget | None = None
                if spec.key == PER_CAPITA:
                    extra = self.standard_label = QLabel()
                    self.standard_label.setObjectName("derivedInfo")
                    self.standard_label.setWordWrap(True)
                if wide:
                    grid.addWidget(widget.box, row, 1, 1, 3)
                    row, col = row + 1, 0
                elif extra is not None:
                    holder = QWidget()
                    h = QHBoxLayout(holder)
                    h.setContentsMargins(0, 0, 0, 0)
                    h.addWidget(widget.box, 1)
                    h.addWidget(extra, 2)
                    grid.addWidget(holder, row, 1, 1, 3)
                    row, col = row + 1, 0
                else:
                    grid.addWidget(widget.box, row, col + 1)
                    col += 2
                    if col >= 4:
                        row, col = row + 1, 0
            self.form_layout.addWidget(group)
        self.decision_box = self._decision_box()
        self.form_layout.addWidget(self.decision_box)
        self.events_box = QGroupBox("办理记录")
        self.events_label = QLabel()
        self.events_label.setWordWrap(True)
        self.events_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(self.events_box).addWidget(self.events_label)
        self.form_layout.addWidget(self.events_box)
        self.form_layout.addStretch(1)
        for button in self.companion_buttons:
            button.deleteLater()
        self.companion_buttons = []
        for companion in svc.companion_forms(defn.code):
            button = QPushButton(f"打印{companion.title}")
            button.clicked.connect(lambda _c=False, code=companion.code: self._request_print(code))
            self.companion_row.addWidget(button)
            self.companion_buttons.append(button)

    def _decision_box(self) -> QGroupBox:
        box = QGroupBox("审批结果（由乡镇/市级审核人员办理，同步后显示，本机不能修改）")
        grid = QGridLayout(box)
        self.decision_labels: dict[str, QLabel] = {}
        for i, (key, label) in enumerate((("decision", "审批结果"), ("decision_amount", "批准金额（元/月）"),
                                          ("decision_start_month", "起始月份"), ("decision_on", "审批日期"),
                                          ("decided_by", "审批人"), ("decision_reason", "理由/说明"))):
            caption = QLabel(label)
            caption.setObjectName("fieldCaption")
            value = QLabel("—")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(caption, i // 2, (i % 2) * 2)
            grid.addWidget(value, i // 2, (i % 2) * 2 + 1)
            self.decision_labels[key] = value
        return box

    # ---- loading ----

    def open_case(self, case_id: str, overlay: dict[str, Any] | None = None) -> None:
        """Show the stored case; ``overlay`` (a draft's raw values) replaces stored values."""
        case = svc.load_case(self.ctx.store, case_id)
        defn = get_definition(case.form_code)
        if self.defn is None or self.defn.code != defn.code:
            self._build(defn)
        self.defn, self.case = defn, case
        self._loading = True
        try:
            for key, widget in self.inputs.items():
                widget.set_value(case.values.get(key))
        finally:
            self._loading = False
        self._touched = set()
        self._sticky = []
        self._show_all = False
        self.banner.show_message(None)
        self._apply_state()
        self.refresh()
        self._baseline = self._snapshot()
        if overlay:
            self._loading = True
            try:
                for key, value in overlay.items():
                    if key in self.inputs:
                        self.inputs[key].set_value(value)
            finally:
                self._loading = False
            self._touched = {k for k in overlay if k in self.inputs}
            self.refresh()
        self._set_dirty(self._snapshot() != self._baseline)
        self.scroll.verticalScrollBar().setValue(0)

    def _apply_state(self) -> None:
        case, defn = self.case, self.defn
        assert case is not None and defn is not None
        self.heading.setText(f"{defn.title} · {case.applicant_name or '（未填申请人）'}")
        self.state.setText(f"状态：{case.status}")
        calendar = svc.work_calendar(self.ctx.store)
        today = date.today()
        dl = casework.deadline(case.facts, calendar)
        state = casework.deadline_state(dl.due if dl else None, today, calendar)
        text = casework.deadline_text(dl, today, calendar)
        if case.status is CaseStatus.PUBLICITY and case.publicity_end:
            text = f"公示至 {case.publicity_end:%Y-%m-%d}" + (f"；{text}" if text else "")
        self.deadline_label.setText(f"  {text}" + (f"  【{state}】" if state in (
            casework.DeadlineState.DUE_SOON, casework.DeadlineState.OVERDUE) else ""))
        editable = case.editable
        for key, widget in self.inputs.items():
            spec = defn.field(key)
            computed = spec.compute is not None and spec.type is not FieldType.TABLE
            widget.set_read_only(not editable or spec.filled_by is not FilledBy.VILLAGE or computed)
            if computed:
                widget.widget.setToolTip(f"自动计算：{spec.hint}" if spec.hint else "自动计算")
        self.save_button.setEnabled(editable)
        for key, label in self.decision_labels.items():
            value = getattr(case, key)
            label.setText("—" if value in (None, "") else (f"{value:.2f}" if isinstance(value, Decimal) else str(value)))
        self.events_label.setText("\n".join(
            f"{e.at:%Y-%m-%d %H:%M}  {e.actor}  {(e.from_status + ' → ') if e.from_status else ''}{e.to_status}"
            + (f"  {e.note}" if e.note else "") for e in case.events) or "（无）")
        self._build_actions()

    def _build_actions(self) -> None:
        for button in self.action_buttons.values():
            button.deleteLater()
        self.action_buttons = {}
        case, defn = self.case, self.defn
        assert case is not None and defn is not None
        days = casework.publicity_days(case.form_code, defn.publicity_days, self.values(), case.applied_on)
        for target in casework.allowed_targets(case.facts, days):
            label = casework.ACTION_LABELS.get(target, f"转为{target}")
            if target is CaseStatus.SUBMITTED and case.status is CaseStatus.INVESTIGATING:
                label = "初审通过，上报"
            button = QPushButton(label)
            button.setToolTip(f"把申请转为“{target}”")
            button.clicked.connect(lambda _c=False, t=target: self.move_to(t))
            self.action_row.addWidget(button)
            self.action_buttons[target] = button

    # ---- values ----

    def values(self) -> dict[str, Any]:
        """The raw input of every field (strings as typed, lists for tables/multiple choice)."""
        return {key: w.value() for key, w in self.inputs.items() if not _blank(w.value())}

    def _snapshot(self) -> str:
        return json.dumps(self.values(), sort_keys=True, ensure_ascii=False, default=str)

    def is_dirty(self) -> bool:
        return self._dirty

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
        self.state.setProperty("dirty", dirty)
        if self.case is not None:
            self.state.setText(f"状态：{self.case.status}" + ("（有未保存的修改）" if dirty else ""))

    def _field_edited(self, key: str) -> None:
        if self._loading:
            return
        self._touched.add(key)
        self._sticky = [e for e in self._sticky if _top(e.field) != key]
        self._set_dirty(self._snapshot() != self._baseline)
        self.validate_timer.start()
        self.edited.emit()

    # ---- computed values, standard, validation ----

    def refresh(self) -> None:
        """Recompute computed fields and the standard note, and show validation at the fields."""
        if self.defn is None or self.case is None:
            return
        defn = self.defn
        values = self.values()
        self._loading = True
        try:
            for key, value in defn.computed(values).items():
                widget = self.inputs.get(key)
                if widget is not None and widget.read_only and defn.field(key).filled_by is FilledBy.VILLAGE:
                    widget.set_value(value)
        finally:
            self._loading = False
        self._update_standard()
        errors = defn.validate(self.values())
        if not self._show_all:
            errors = [e for e in errors if _top(e.field) in self._touched and e.code != "unknown"]
        self.show_errors(errors + [e for e in self._sticky if e not in errors])

    def _update_standard(self) -> None:
        if self.standard_label is None or self.case is None:
            return
        applied = casework.as_date(self.inputs["applied_on"].value()) if "applied_on" in self.inputs else None
        on = applied or self.case.applied_on or date.today()
        standard = svc.case_standard(self.ctx.store, self.case.form_code, on)
        if standard is None:
            self.standard_label.setText("未找到申请日期适用的低保标准，请在标准表中补充")
            return
        text = f"低保标准（{on:%Y-%m-%d} 适用）：{standard.label}"
        try:
            income = Decimal(str(self.inputs[PER_CAPITA].value() or ""))
        except (InvalidOperation, KeyError):
            income = None
        if income is not None:
            gap = standard.amount - income
            text += f"；月人均收入{'低于' if gap > 0 else '不低于'}标准" + (f" {gap:.2f} 元" if gap > 0 else "")
        self.standard_label.setText(text)

    def show_errors(self, errors: list[FieldError]) -> None:
        """Put each message at its field (table cells marked); the rest in the banner."""
        by_field: dict[str, list[str]] = {}
        cells: dict[str, dict[tuple[int, str], str]] = {}
        general: list[str] = []
        for e in errors:
            m = _CELL.match(e.field)
            if m and m.group(1) in self.inputs:
                cells.setdefault(m.group(1), {})[(int(m.group(2)), m.group(3))] = e.message
                by_field.setdefault(m.group(1), []).append(e.message)
            elif _top(e.field) in self.inputs:
                by_field.setdefault(_top(e.field), []).append(e.message)
            else:
                general.append(e.message)
        for key, widget in self.inputs.items():
            messages = by_field.get(key)
            widget.set_error("；".join(dict.fromkeys(messages)) if messages else None)
            if isinstance(widget, TableInput):
                widget.set_cell_errors(cells.get(key, {}))
        self.banner.show_message("；".join(dict.fromkeys(general)) if general else None)

    def field_error(self, key: str) -> str:
        """The message shown at field ``key`` ("" if none) — for tests and accessibility."""
        widget = self.inputs.get(key)
        return widget.box.error.text() if widget is not None and not widget.box.error.isHidden() else ""

    # ---- saving and moving ----

    def save(self) -> bool:
        """Store the input (never refused for being incomplete). False if something was not stored."""
        if self.case is None:
            return True
        try:
            errors = svc.save_values(self.ctx.store, self.ctx.actor, self.case.id, self.values())
        except ValidationError as exc:
            self.banner.show_message(exc.message)
            return False
        except Exception as exc:
            log.exception("保存申请失败")
            self.banner.show_message(f"保存失败：{exc}")
            return False
        case_id = self.case.id
        if errors:
            # The unreadable input stays in its widget (and in the draft) with its message.
            self.case = svc.load_case(self.ctx.store, case_id)
            self._sticky = errors
            self._touched |= {_top(e.field) for e in errors}
            self._apply_state()
            self.refresh()
            self._set_dirty(True)
            self.banner.show_message(f"其余内容已保存；有 {len(errors)} 项格式不正确未能保存，请按标红处改正（录入内容已保留）")
        else:
            self.open_case(case_id)  # shows the stored (normalised) values
            self.ctx.hub.status_message.emit("申请已保存")
        self.saved.emit(case_id)
        return not errors

    def move_to(self, target: CaseStatus) -> bool:
        """Save, then move the case to ``target``; refusals shown at the fields."""
        if self.case is None or self.defn is None:
            return False
        if self.is_dirty() and not self.save() and self._sticky:
            self._show_all = True
            self.refresh()
            self.banner.show_message("请先改正格式不正确的项目，再办理下一步")
            return False
        try:
            self.case = svc.transition(self.ctx.store, self.ctx.actor, self.case.id, target)
        except TransitionRefused as exc:
            self._show_all = True
            self._sticky = exc.errors
            self.refresh()
            head = [e.message for e in exc.errors if not e.field or e.field == "status"]
            at_fields = len(exc.errors) - len(head)
            self.banner.show_message(f"不能转为“{target}”：" + "；".join(head or [f"有 {at_fields} 项需要补充或改正，见标红的项目"]))
            return False
        self._sticky = []
        self._show_all = False
        self.open_case(self.case.id)
        self.ctx.hub.status_message.emit(f"申请已转为“{target}”")
        self.moved.emit(self.case.id, target.value)
        return True

    def _request_print(self, companion: str) -> None:
        if self.case is None:
            return
        if self.is_dirty():
            self.save()
        self.print_requested.emit(self.case.id, companion)


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]
