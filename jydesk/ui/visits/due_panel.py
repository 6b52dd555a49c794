"""待探访: who is due this week, who is overdue, who was visited; open follow-up items.

The list is computed in a worker (``jydesk.store.visits.due_list``: ~0.5 s on 100k people,
a few ms for a real village) and refreshed whenever a visit, person or household is saved.
Sorted by urgency (overdue, tier, never visited, longest since the last visit). Enter (or a
double click, or V) on a row starts the quick entry of a visit.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain.errors import ValidationError
from jydesk.domain.visits import IsoWeek, VisitStatus
from jydesk.store import faults
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.lazy import lazy_module
from jydesk.ui.shell.panel_base import NavEntry, Panel
from jydesk.ui.visits.due_models import COLUMNS, MODES, DueModel, load, matches
from jydesk.ui.visits.follow_ups import FollowUpSection
from jydesk.ui.visits.jobs import run_in_worker

if TYPE_CHECKING:  # imported where used: not needed before the window is shown
    from jydesk.store import visits as visit_service
    from jydesk.store.visits import DueItem, FollowUpRow
    from jydesk.ui.visits.entry_dialog import VisitEntryDialog
    from jydesk.ui.visits.plan_dialog import VisitPlanDialog
    from jydesk.ui.visits.printouts import PdfPreviewDialog
else:
    visit_service = lazy_module("jydesk.store.visits")

# The print kinds of jydesk.ui.visits.printouts.Kind (that module imports QtPdf: loaded on first print).
ROSTER, PREFILLED, FILLED, BLANK = "roster", "prefilled", "filled", "blank"

NAV_KEY = "visits_due"


class VisitsDuePanel(Panel):
    panel_id = "visits_due"
    title = "待探访"
    area = "center"
    tab_with = "list"
    stretch = 6
    nav_entries = (NavEntry(NAV_KEY, "待探访", "探访", 30),)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.today = date.today()
        self.week = IsoWeek.of(self.today)
        self.all_items: list[DueItem] = []
        self.follow_up_rows: list[FollowUpRow] = []
        self.mode = "pending"
        self.loaded = False
        self._job: Any = None
        self._job_week = self.week
        self._stale = False
        self.entry_dialog: VisitEntryDialog | None = None
        self.preview: PdfPreviewDialog | None = None
        self._selected_person: str | None = None

        self.prev_button = QPushButton("◀ 上周")
        self.next_button = QPushButton("下周 ▶")
        self.this_week_button = QPushButton("本周")
        self.week_label = QLabel()
        self.week_label.setObjectName("editorHeading")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("按姓名、住址或电话筛选")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(240)
        top = QHBoxLayout()
        for w in (self.prev_button, self.week_label, self.next_button, self.this_week_button):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.filter_edit)

        self.mode_buttons: dict[str, QPushButton] = {}
        self.mode_group = QButtonGroup(self)
        self.mode_group.setExclusive(True)
        modes = QHBoxLayout()
        modes.setSpacing(0)
        for key, label in MODES:
            button = QPushButton(label)
            button.setObjectName("modeButton")
            button.setCheckable(True)
            button.setChecked(key == self.mode)
            self.mode_group.addButton(button)
            self.mode_buttons[key] = button
            modes.addWidget(button)
            button.clicked.connect(lambda _c=False, k=key: self.set_mode(k))
        modes.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("countLabel")
        modes.addWidget(self.summary)

        self.model = DueModel()
        self.table = QTableView()
        self.table.setObjectName("dueTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.table.horizontalHeader()
        for i, col in enumerate(COLUMNS):
            header.resizeSection(i, col.width)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()

        self.visit_button = QPushButton("记录探访（Enter）")
        self.visit_button.setObjectName("primaryButton")
        self.plan_button = QPushButton("调整探访等级…")
        self.roster_button = QPushButton("打印名单…")
        self.sheets_button = QPushButton("打印探访表")
        sheets_menu = QMenu(self.sheets_button)
        sheets_menu.addAction("本周应访人员的预填表…", lambda: self.print_kind(PREFILLED))
        sheets_menu.addAction("本周已录入的探访记录表…", lambda: self.print_kind(FILLED))
        sheets_menu.addAction("空白探访记录表…", self.print_blank)
        self.sheets_button.setMenu(sheets_menu)
        actions = QHBoxLayout()
        actions.addWidget(self.visit_button)
        actions.addWidget(self.plan_button)
        actions.addStretch(1)
        actions.addWidget(self.roster_button)
        actions.addWidget(self.sheets_button)

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(top)
        upper_layout.addLayout(modes)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.empty, 1)
        upper_layout.addLayout(actions)

        lower = FollowUpSection()
        self.follow_up_label, self.follow_up_table = lower.label, lower.table
        self.follow_up_model, self.close_button = lower.model, lower.close_button

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self.prev_button.clicked.connect(lambda: self.set_week(self.week.shift(-1)))
        self.next_button.clicked.connect(lambda: self.set_week(self.week.shift(1)))
        self.this_week_button.clicked.connect(lambda: self.set_week(IsoWeek.of(date.today())))
        self.filter_edit.textChanged.connect(lambda _t: self._apply_filter())
        self.table.doubleClicked.connect(lambda _i: self.start_visit())
        self.table.customContextMenuRequested.connect(self._context_menu)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_V):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.start_visit)
        self.visit_button.clicked.connect(self.start_visit)
        self.plan_button.clicked.connect(self.adjust_plan)
        self.roster_button.clicked.connect(lambda: self.print_kind(ROSTER))
        self.close_button.clicked.connect(self.close_follow_up)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        hub = ctx.hub
        hub.record_saved.connect(self._record_saved)
        hub.record_selected.connect(self._record_selected)
        hub.new_record.connect(self._new_record)
        self._show_week()
        self.refresh()

    # ---- loading ----

    def refresh(self) -> None:
        """Recompute the list in a worker (a refresh asked for while one runs is queued)."""
        if self._job is not None:
            self._stale = True
            return
        self._stale = False
        week, today = self.week, date.today()
        # Bound methods, not lambdas: a result arriving after the panel is gone is dropped.
        self._job = run_in_worker(self.ctx, load, self.ctx.store, week, today,
                                  on_result=self._loaded, on_error=self._failed)
        self._job_week = week

    def _current_job(self) -> bool:
        """True when the signal being handled comes from the job this panel waits for."""
        return self._job is not None and self.sender() is self._job.signals

    def _loaded(self, result: tuple[list[DueItem], list[FollowUpRow]]) -> None:
        if not self._current_job():
            return
        self._job, week = None, self._job_week
        if week == self.week:
            self.all_items, self.follow_up_rows = result
            self.loaded = True
            self._apply_filter()
            self.follow_up_model.set_rows(self.follow_up_rows)
            self.follow_up_label.setText(f"待跟进事项（{len(self.follow_up_rows)}项）")
        if self._stale or week != self.week:
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        if self._current_job():
            self._job = None
            self.empty.setText(f"无法计算探访名单：{exc}")
            self.empty.show()
            self.table.hide()

    def _record_saved(self, entity: str, _record_id: str) -> None:
        if entity in ("visit", "person", "household", "follow_up"):
            self.refresh()

    # ---- showing ----

    def set_week(self, week: IsoWeek) -> None:
        if week != self.week:
            self.week = week
            self._show_week()
            self.refresh()

    def _show_week(self) -> None:
        current = IsoWeek.of(date.today())
        self.week_label.setText(self.week.label + ("　本周" if self.week == current else ""))
        self.this_week_button.setEnabled(self.week != current)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        self._apply_filter()

    def visible_items(self) -> list[DueItem]:
        return list(self.model.items)

    def counts(self) -> dict[str, int]:
        return {key: sum(1 for i in self.all_items if matches(i, key, "")) for key, _ in MODES}

    def _apply_filter(self) -> None:
        current = self.current_person_id()
        text = self.filter_edit.text().strip()
        items = [i for i in self.all_items if matches(i, self.mode, text)]
        self.model.set_items(items)
        counts = self.counts()
        for key, label in MODES:
            self.mode_buttons[key].setText(f"{label} {counts[key]}")
        due = sum(1 for i in self.all_items if i.due_in_week)
        done = sum(1 for i in self.all_items if i.due_in_week and i.status is VisitStatus.DONE)
        self.summary.setText(f"本周应访{due}人，已访{done}人")
        empty = not items
        self.table.setVisible(not empty)
        self.empty.setVisible(empty)
        if empty:
            self.empty.setText({"pending": "本周应访的人员都已探访。", "overdue": "没有超期未访的人员。",
                                "done": "本周还没有探访记录。"}.get(self.mode, "没有符合条件的人员。")
                               if self.loaded else "正在计算探访名单…")
        self._select_person(current)

    def _select_person(self, person_id: str | None) -> None:
        rows = [r for r, i in enumerate(self.model.items) if i.person_id == person_id] if person_id else []
        row = rows[0] if rows else (0 if self.model.items else -1)
        if row >= 0:
            self.table.selectRow(row)

    def current_item(self) -> DueItem | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.items):
            return None
        return self.model.items[index.row()]

    def _last_visit(self) -> str:
        from jydesk.store.audit.log import last_visit_id

        with self.ctx.store.sql() as db:
            return last_visit_id(db, self.current_person_id() or "") or ""

    def current_person_id(self) -> str | None:
        item = self.current_item()
        return item.person_id if item else None

    def select_person(self, person_id: str) -> bool:
        for row, item in enumerate(self.model.items):
            if item.person_id == person_id:
                self.table.selectRow(row)
                return True
        return False

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.row() < len(self.model.items):
            self.ctx.hub.record_selected.emit("person", self.model.items[current.row()].person_id)

    def _record_selected(self, entity: str, record_id: str) -> None:
        if entity == "person":
            self._selected_person = record_id

    def _new_record(self, entity: str) -> None:
        if entity == "visit" and self._selected_person:
            self.start_visit(self._selected_person)

    def show_entry(self, key: str) -> None:
        self.table.setFocus()

    def focus_search(self) -> bool:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()
        return True

    def _context_menu(self, pos: Any) -> None:
        if self.current_item() is None:
            return
        menu = QMenu(self)
        menu.addAction("记录探访", self.start_visit)
        menu.addAction("调整探访等级…", self.adjust_plan)
        menu.addAction("打开所在户", lambda: self.ctx.hub.open_record.emit("person", self.current_person_id() or ""))
        menu.addAction("上次探访的修改记录…", lambda: self.ctx.hub.show_history.emit("visit", self._last_visit()))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # ---- actions ----

    def start_visit(self, person_id: str | None = None) -> VisitEntryDialog | None:
        """Open the quick-entry dialog for the selected person (or ``person_id``)."""
        person_id = person_id or self.current_person_id()
        if not person_id:
            return None
        if self.entry_dialog is not None and self.entry_dialog.isVisible():
            self.entry_dialog.raise_()
            return self.entry_dialog
        from jydesk.ui.visits.entry_dialog import VisitEntryDialog

        try:
            dialog = VisitEntryDialog(self.ctx, person_id, self)
        except (ValidationError, LookupError) as exc:
            QMessageBox.warning(self, "记录探访", str(exc))
            return None
        self.entry_dialog = dialog
        dialog.finished.connect(lambda _r: self.table.setFocus())
        dialog.open()
        return dialog

    def adjust_plan(self) -> VisitPlanDialog | None:
        person_id = self.current_person_id()
        if not person_id:
            return None
        from jydesk.ui.visits.plan_dialog import VisitPlanDialog

        dialog = VisitPlanDialog(self.ctx, person_id, self)
        self._plan_dialog = dialog
        dialog.open()
        return dialog

    def print_kind(self, kind: str) -> Any:
        from jydesk.ui.visits.printouts import VisitPrint, start_print

        job = VisitPrint(kind, self.week, clerk=self.ctx.actor.name)
        return start_print(self.ctx, self, job, self._keep_preview)

    def print_blank(self) -> Any:
        copies, ok = QInputDialog.getInt(self, "空白探访记录表", "打印份数：", 10, 1, 500)
        if not ok:
            return None
        from jydesk.ui.visits.printouts import VisitPrint, start_print

        return start_print(self.ctx, self, VisitPrint(BLANK, self.week, copies=copies), self._keep_preview)

    def _keep_preview(self, preview: PdfPreviewDialog) -> None:
        self.preview = preview

    def close_follow_up(self) -> bool:
        index = self.follow_up_table.currentIndex()
        rows = self.follow_up_model.rows
        if not index.isValid() or index.row() >= len(rows):
            QMessageBox.information(self, "办结跟进事项", "请先在下方选择一项待跟进事项")
            return False
        item = rows[index.row()]
        note, ok = QInputDialog.getText(self, "办结跟进事项", f"{item.person_name}：{item.description}\n\n处理情况：")
        if not ok:
            return False
        try:
            with faults.saving():
                visit_service.close_follow_up(self.ctx.store, self.ctx.actor, item.id, note)
        except ValidationError as exc:
            QMessageBox.warning(self, "办结跟进事项", exc.message)
            return False
        self.ctx.hub.record_saved.emit("follow_up", item.id)
        self.ctx.hub.outbox_changed.emit()
        return True
