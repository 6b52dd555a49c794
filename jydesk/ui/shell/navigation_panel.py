"""导航: the entries every panel declares (``Panel.nav_entries``), grouped under headings."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout

from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.panel_base import NavEntry, Panel

KEY_ROLE = Qt.ItemDataRole.UserRole


class NavigationPanel(Panel):
    panel_id = "navigation"
    title = "导航"
    area = "left"
    stretch = 2

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.tree = QTreeWidget()
        self.tree.setObjectName("navTree")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(12)
        self.tree.setUniformRowHeights(True)
        self.new_button = QPushButton("新建户")
        self.new_button.setObjectName("primaryButton")
        self.new_button.setToolTip("登记一户新家庭（Ctrl+N）")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(self.new_button)
        layout.addWidget(self.tree, 1)
        self.tree.itemClicked.connect(self._chosen)
        self.tree.itemActivated.connect(self._chosen)
        self.new_button.clicked.connect(lambda: ctx.hub.new_record.emit("household"))
        ctx.hub.navigate.connect(self._mark)

    def set_entries(self, entries: Sequence[NavEntry]) -> None:
        """Fill the tree (the main window passes every registered panel's entries)."""
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for entry in sorted(entries, key=lambda e: e.order):
            parent = groups.get(entry.group)
            if parent is None:
                parent = QTreeWidgetItem(self.tree, [entry.group])
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = parent.font(0)
                font.setBold(True)
                parent.setFont(0, font)
                groups[entry.group] = parent
            item = QTreeWidgetItem(parent, [entry.title])
            item.setData(0, KEY_ROLE, entry.key)
        self.tree.expandAll()

    def item_for(self, key: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                if group.child(j).data(0, KEY_ROLE) == key:
                    return group.child(j)
        return None

    def _chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.ctx.hub.navigate.emit(key)

    def _mark(self, key: str) -> None:
        item = self.item_for(key)
        if item is not None and self.tree.currentItem() is not item:
            self.tree.setCurrentItem(item)
