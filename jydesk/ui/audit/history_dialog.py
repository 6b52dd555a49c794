"""修改记录: every change of one household, person, case or visit — time, who (a clerk, or
市级平台 with the reviewer), the fields before and after by their Chinese labels. 身份证号 are
masked; 显示完整身份证号 shows them and is itself written to the audit log."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from jydesk.store.actor import Actor
from jydesk.store.audit import events
from jydesk.store.audit.log import ENTITY_NAMES, ID_FIELDS, AuditRow, show_value
from jydesk.store.database import Store

COLUMNS = ("时间", "操作人", "操作", "记录", "项目", "修改前", "修改后")


class HistoryDialog(QDialog):
    """The history of one record (``entity``, ``record_id``), oldest change first."""

    def __init__(self, store: Store, actor: Actor, entity: str, record_id: str, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.entity, self.record_id = entity, record_id
        self.revealed = False
        self.setWindowTitle(f"修改记录 — {title or ENTITY_NAMES.get(entity, entity)}")
        self.resize(960, 560)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.tree.header()
        for i, width in enumerate((150, 150, 90, 140, 110, 150, 150)):
            header.resizeSection(i, width)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.reveal_button = QPushButton("显示完整身份证号")
        self.reveal_button.setToolTip("显示修改记录中的完整身份证号（本次查看会记入操作日志）")
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        self.reveal_button.clicked.connect(self.reveal)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.reveal_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        rows, self.names = events.read_history(store, entity, record_id)
        if not title and record_id in self.names:
            self.setWindowTitle(f"修改记录 — {self.names[record_id]}")
        self.fill(rows)

    def fill(self, rows: list[AuditRow]) -> None:
        self.rows = rows
        self.tree.clear()
        has_ids = False
        for row in rows:
            changes = row.field_changes()
            record = self.names.get(row.record_id or "", row.entity_name)
            item = QTreeWidgetItem([row.at.strftime("%Y-%m-%d %H:%M:%S"), row.who, row.action_name, record,
                                    "", "", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, row.id)
            if len(changes) == 1:  # one field: on the entry's own line
                change = changes[0]
                item.setText(4, change.label)
                item.setText(5, show_value(change.field, change.before, self.revealed))
                item.setText(6, show_value(change.field, change.after, self.revealed))
            elif changes:
                item.setText(4, f"{len(changes)} 项")
                for change in changes:
                    item.addChild(QTreeWidgetItem(["", "", "", "", change.label,
                                                   show_value(change.field, change.before, self.revealed),
                                                   show_value(change.field, change.after, self.revealed)]))
            else:
                item.setText(4, row.detail or "")
            has_ids = has_ids or any(c.field in ID_FIELDS for c in changes)
            self.tree.addTopLevelItem(item)
        self.tree.expandAll()
        self.reveal_button.setVisible(has_ids and not self.revealed)
        self.summary.setText(f"共 {len(rows)} 条记录" if rows else "没有修改记录")

    def reveal(self) -> None:
        """Show the full numbers (written to the audit log first)."""
        rows = events.revealed_history(self.store, self.actor, self.entity, self.record_id)
        self.revealed = True
        self.fill(rows)
