"""The repeating table of an application form (e.g. 家庭成员): rows added and removed by the
clerk, choice columns edited with a combo box, errors marked per cell, hidden record links
(person, household) kept per row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain.forms import FieldSpec, FieldType
from jydesk.ui.cases.field_inputs import REF_TYPES, FieldInput, as_text

ERROR_BRUSH = QBrush(QColor("#fde2e1"))


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
                item = QTableWidgetItem(as_text(values.get(col.key)))
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
