"""列表: every household or person of the village, searchable as you type.

The full lists are windowed (see ``windowed_model``). Search runs the store's index-backed
search synchronously 180 ms after the last keystroke: measured 1-5 ms for people and 2-20 ms
for households on 100k people (benchmarks/bench_ui.py), far below a frame, so a worker thread
would only add latency. Results replace the list (up to 200, best first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from jydesk.store.listings import (
    HouseholdListing,
    HouseholdRow,
    PersonListing,
    PersonRow,
    search_households,
    search_persons,
)
from jydesk.ui.registry.columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, SYNC_COLUMN
from jydesk.ui.registry.windowed_model import StaticListing, WindowedTableModel
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.lazy import lazy_module
from jydesk.ui.shell.panel_base import NavEntry, Panel
from jydesk.ui.sync.badges import SYNC_FILTERS, BadgedListing, badged_listing
from jydesk.ui.widgets import ask

if TYPE_CHECKING:
    from jydesk.store import registry
else:
    registry = lazy_module("jydesk.store.registry")  # search and reveal: loaded on first use

SEARCH_DELAY_MS = 180
SEARCH_LIMIT = 200
MODES = {"households": ("家庭户", "户"), "people": ("人员", "人")}


class RecordListPanel(Panel):
    panel_id = "list"
    title = "列表"
    area = "center"
    stretch = 5
    nav_entries = (NavEntry("households", "家庭户", "户籍", 10), NavEntry("people", "人员", "户籍", 20))

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        store, workers = ctx.store, ctx.workers
        # Sync badges (待同步/已同步/被退回/冲突) come with each page; the filter narrows the listing.
        self.sync_filter = QComboBox()
        self.sync_filter.setObjectName("syncFilter")
        self.sync_filter.addItems(SYNC_FILTERS)
        self.sync_filter.setToolTip("按同步状态筛选")
        self.models = {
            "people": WindowedTableModel((*PERSON_COLUMNS, SYNC_COLUMN), lambda key, desc: self._listing_class(
                PersonListing)(store, key, desc), workers, parent=self),
            "households": WindowedTableModel((*HOUSEHOLD_COLUMNS, SYNC_COLUMN), lambda key, desc: self._listing_class(
                HouseholdListing)(store, key, desc), workers, parent=self),
        }
        for model in self.models.values():
            model.count_settled.connect(lambda _n: self._update_count())
        self.mode = ""
        self._query = ""
        self._stale: set[str] = set()

        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText("搜索：姓名、拼音首字母（如 zs）、身份证号或后4位、电话、住址　Ctrl+F")
        self.search.setClearButtonEnabled(True)
        self.mode_buttons = QButtonGroup(self)
        buttons = QHBoxLayout()
        buttons.setSpacing(0)
        for key, (label, _unit) in MODES.items():
            button = QPushButton(label)
            button.setCheckable(True)
            button.setObjectName("modeButton")
            button.setProperty("mode", key)
            self.mode_buttons.addButton(button)
            buttons.addWidget(button)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")

        self.view = QTableView()
        self.view.setObjectName("recordTable")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setSortingEnabled(True)
        self.view.setWordWrap(False)
        # No stylesheet rule may target this view: it would send every painted cell through
        # QStyleSheetStyle (measured: twice the paint time). Colours come from the palette.
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setShowGrid(False)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.verticalHeader().setDefaultSectionSize(26)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setHighlightSections(False)
        self.view.horizontalHeader().setMinimumHeight(30)

        top = QHBoxLayout()
        top.setContentsMargins(8, 8, 8, 4)
        top.addLayout(buttons)
        top.addSpacing(8)
        top.addWidget(self.search, 1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(8, 2, 8, 6)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.sync_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.sync_filter.currentIndexChanged.connect(lambda _i: self._filter_changed())
        self.mode_buttons.buttonClicked.connect(lambda b: self.set_mode(b.property("mode")))
        self.view.activated.connect(self._activated)
        self.view.customContextMenuRequested.connect(self._context_menu)
        ctx.hub.record_saved.connect(self._record_saved)
        self._select_first = QAction(self)
        self._select_first.setShortcut(QKeySequence(Qt.Key.Key_Down))
        self._select_first.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self._select_first.triggered.connect(self._focus_list)
        self.search.addAction(self._select_first)
        self.set_mode("households")

    # ---- modes and data ----

    @property
    def model(self) -> WindowedTableModel:
        return self.models[self.mode]

    def set_mode(self, mode: str) -> None:
        if mode not in self.models:
            return
        for button in self.mode_buttons.buttons():
            button.setChecked(button.property("mode") == mode)
        if mode == self.mode:
            return
        self.mode = mode
        model = self.models[mode]
        if model.listing is None or mode in self._stale or self._query:
            self._stale.discard(mode)
            self._load(model)
        old = self.view.selectionModel()
        self.view.setModel(model)
        if old is not None:
            old.deleteLater()
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        for i, column in enumerate(model.columns):
            self.view.setColumnWidth(i, column.width)
        sort_col = model.sort_column()
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(sort_col if sort_col >= 0 else -1,
                                Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        self._update_count()

    def _listing_class(self, listing: type) -> type:
        badge = self.sync_filter.currentText()
        return badged_listing(listing, None if badge == SYNC_FILTERS[0] else badge)

    def _filter_changed(self) -> None:
        self._stale = set(self.models) - {self.mode}
        self._load(self.model)
        self._update_count()

    def _load(self, model: WindowedTableModel) -> None:
        if self._query:
            self._apply_search(model)
        else:
            model.reload()

    def run_search(self) -> None:
        self.search_timer.stop()
        query = self.search.text().strip()
        if query == self._query and self.model.listing is not None:
            return
        self._query = query
        self._stale = set(self.models) - {self.mode}
        self._load(self.model)
        self._update_count()

    def _search_now(self) -> None:
        self.run_search()
        self._focus_list()

    def _apply_search(self, model: WindowedTableModel) -> None:
        with self.ctx.store.sql() as db:
            if model is self.models["people"]:
                rows: list = search_persons(db, self._query, SEARCH_LIMIT)
            else:
                rows = search_households(db, self._query, SEARCH_LIMIT)
        badge = self.sync_filter.currentText()
        entity = "person" if model is self.models["people"] else "household"
        listing = BadgedListing(StaticListing(rows), self.ctx.store, entity)
        if badge != SYNC_FILTERS[0]:
            listing = BadgedListing(StaticListing([r.row for r in listing.page(0, len(rows))
                                                   if r.sync_badge == badge]), self.ctx.store, entity)
        model.set_listing(listing)

    def _update_count(self) -> None:
        total = self.model.rowCount()
        unit = MODES[self.mode][1]
        if self._query:
            more = "（仅显示前200条，请输入更多字符缩小范围）" if total >= SEARCH_LIMIT else ""
            self.count_label.setText(f"“{self._query}”：找到 {total:,} {unit}{more}" if total
                                     else f"“{self._query}”：没有找到匹配的{MODES[self.mode][0]}")
        else:
            self.count_label.setText(f"共 {total:,} {unit}")

    def _record_saved(self, entity: str, record_id: str) -> None:
        if entity not in ("household", "person"):
            return
        self._stale = set(self.models) - {self.mode}
        self._load(self.model)
        self._update_count()
        row = self.model.find_row(record_id)
        if row >= 0:
            self.view.selectionModel().blockSignals(True)
            self.view.selectRow(row)
            self.view.selectionModel().blockSignals(False)

    # ---- selection ----

    def _entity(self) -> str:
        return "person" if self.mode == "people" else "household"

    def current_id(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        record_id = current.data(Qt.ItemDataRole.UserRole) if current.isValid() else None
        if record_id:
            self.ctx.hub.record_selected.emit(self._entity(), record_id)
            self.ctx.hub.open_record.emit(self._entity(), record_id)

    def _activated(self, index: QModelIndex) -> None:
        record_id = index.data(Qt.ItemDataRole.UserRole)
        if record_id:
            self.ctx.hub.open_record.emit(self._entity(), record_id)

    def _focus_list(self) -> None:
        self.view.setFocus()
        if not self.view.currentIndex().isValid() and self.model.rowCount():
            self.view.selectRow(0)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        row = self.model.row_object(index.row())
        menu = QMenu(self)
        menu.addAction("打开", lambda: self._activated(index))
        if isinstance(row, PersonRow):
            menu.addAction("显示完整身份证号…", lambda: self.reveal(row))
        if isinstance(row, HouseholdRow | PersonRow):
            menu.addAction("修改记录…", lambda: self.ctx.hub.show_history.emit(self._entity(), row.id))
        if isinstance(row, HouseholdRow | PersonRow):
            menu.addSeparator()
            menu.addAction("新建户", lambda: self.ctx.hub.new_record.emit("household"))
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def reveal(self, row: PersonRow) -> None:
        """Show a person's full ID number (written to the audit log)."""
        number = registry.reveal_id_number(self.ctx.store, self.ctx.actor, row.id)
        answer = ask.choose(self, "身份证号", f"{row.name}：{number}",
                            (("copy", "复制", ask.Role.ActionRole), ("close", "关闭", ask.Role.RejectRole)),
                            default="close", icon=QMessageBox.Icon.Information, informative="本次查看已记入审计日志。")
        if answer == "copy":
            QApplication.clipboard().setText(number)

    # ---- Panel hooks ----

    def show_entry(self, key: str) -> None:
        if key in MODES:
            self.set_mode(key)

    def focus_search(self) -> bool:
        self.search.setFocus()
        self.search.selectAll()
        return True

