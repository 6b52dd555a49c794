"""冲突: fields changed both on this device and on the city server, the two values side by side.

The clerk keeps this device's value, takes the server's, or types another; the choice is
saved like any edit and syncs as a new change. Until then the record shows the server's value.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.panel_base import NavEntry, Panel
from jydesk.ui.sync.rejected_dialog import parse_typed
from jydesk.ui.sync.snapshot import local_time
from jydesk.ui.sync.status_panel import INITIAL_REFRESH_MS


def record_title(store: Any, entity: str, record_id: str) -> str:
    """A short Chinese name of a record (person's name, household address …)."""
    from jydesk.domain.entities import Entity
    from jydesk.store.models import SYNC_MODELS
    from sync.client.labels import entity_label

    with store.read() as s:
        obj = s.get(SYNC_MODELS[Entity(entity)], record_id)
    label = entity_label(entity)
    if obj is None:
        return f"{label}（{record_id[-8:]}）"
    for attr in ("name", "address", "form_code", "description", "filename"):
        value = getattr(obj, attr, None)
        if value:
            return f"{label} {value}"
    return f"{label}（{record_id[-8:]}）"


class ConflictsPanel(Panel):
    panel_id = "conflicts"
    title = "冲突"
    area = "right"
    tab_with = "sync"
    nav_entries = (NavEntry("conflicts", "同步冲突", "同步", 91),)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("conflictTable")
        self.table.setHorizontalHeaderLabels(["记录", "项目", "本机的值", "服务器的值", "发现时间"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.empty = QLabel("没有冲突。两台电脑改了同一项内容时会在这里列出，由您决定保留哪个。")
        self.empty.setWordWrap(True)
        self.local_box = QPlainTextEdit()
        self.local_box.setReadOnly(True)
        self.local_box.setObjectName("localValue")
        self.server_box = QPlainTextEdit()
        self.server_box.setReadOnly(True)
        self.server_box.setObjectName("serverValue")
        for box in (self.local_box, self.server_box):
            box.setMaximumHeight(80)
        self.edited = QLineEdit()
        self.edited.setObjectName("editedValue")
        self.edited.setPlaceholderText("也可以填写另一个值")
        self.keep_local = QPushButton("采用本机的值")
        self.keep_server = QPushButton("采用服务器的值")
        self.use_edited = QPushButton("采用填写的值")
        side = QGroupBox("对比")
        grid = QGridLayout(side)
        grid.addWidget(QLabel("本机的值"), 0, 0)
        grid.addWidget(QLabel("服务器的值（现在显示的值）"), 0, 1)
        grid.addWidget(self.local_box, 1, 0)
        grid.addWidget(self.server_box, 1, 1)
        grid.addWidget(self.keep_local, 2, 0)
        grid.addWidget(self.keep_server, 2, 1)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.edited, 1)
        edit_row.addWidget(self.use_edited)
        grid.addLayout(edit_row, 3, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(side)
        self.side = side
        self._rows: list[Any] = []
        self.table.currentCellChanged.connect(lambda *_: self._show_current())
        self.keep_local.clicked.connect(lambda: self.resolve("local"))
        self.keep_server.clicked.connect(lambda: self.resolve("server"))
        self.use_edited.clicked.connect(lambda: self.resolve("edited"))
        ctx.hub.outbox_changed.connect(self.refresh)
        self.empty.setVisible(True)
        self.side.setEnabled(False)
        QTimer.singleShot(INITIAL_REFRESH_MS, self, self.refresh)  # after the window's first paint

    def refresh(self) -> None:
        from sync.client.labels import field_label, show_value
        from sync.client.resolve import open_conflicts

        current = self._current()
        self._rows = open_conflicts(self.ctx.store)
        self.table.setRowCount(len(self._rows))
        for i, c in enumerate(self._rows):
            texts = (record_title(self.ctx.store, c.entity, c.record_id), field_label(c.field),
                     show_value(c.local_value), show_value(c.server_value), local_time(c.created_at).strftime("%m-%d %H:%M"))
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, col, item)
        self.empty.setVisible(not self._rows)
        self.side.setEnabled(bool(self._rows))
        if self._rows:
            ids = [c.id for c in self._rows]
            self.table.selectRow(ids.index(current.id) if current is not None and current.id in ids else 0)
        self._show_current()

    def _current(self) -> Any | None:
        row = self.table.currentRow()
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def _show_current(self) -> None:
        from sync.client.labels import show_value

        c = self._current()
        self.local_box.setPlainText(show_value(c.local_value) if c else "")
        self.server_box.setPlainText(show_value(c.server_value) if c else "")
        self.edited.setText("" if c is None or c.local_value is None else show_value(c.local_value))

    def resolve(self, choice: str) -> bool:
        from jydesk.domain.errors import ValidationError
        from jydesk.store import faults
        from sync.client.resolve import resolve_conflict

        c = self._current()
        if c is None:
            return False
        value = None
        if choice == "edited":
            try:
                value = parse_typed(self.edited.text(), c.local_value if c.local_value is not None else c.server_value)
            except ValueError:
                QMessageBox.warning(self, "填写有误", "该项只能填写数字")
                return False
        try:
            with faults.saving():
                resolve_conflict(self.ctx.store, c.id, choice, self.ctx.actor, value)
        except ValidationError as exc:
            QMessageBox.warning(self, "不能采用该值", exc.message)
            return False
        self.ctx.hub.record_saved.emit(c.entity, c.record_id)
        self.ctx.hub.outbox_changed.emit()
        self.ctx.hub.status_message.emit("已处理冲突，选择的值会在下次同步时上传")
        return True

    def show_entry(self, key: str) -> None:
        self.bring_to_front()
