"""案件: the list of applications (filters, counts per status, deadline warnings).

:class:`CasesPanel` (``cases``): filter by type, status, 组, deadline state and name; counts
per status (click one to filter); 即将到期/已超期 highlighted; 新建申请, batch print of the
selected cases, 删除草稿, 节假日设置. The list is read in a worker (:func:`load_cases`) so the
window never waits for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from jydesk.domain.entities import CaseStatus
from jydesk.domain.errors import ValidationError
from jydesk.ui.cases.editor_panel import CASE_FORM_KEY
from jydesk.ui.cases.listing import COLUMNS, CaseListing, CaseTableModel, ListRequest, load_cases
from jydesk.ui.printing.preview_panel import NAV_KEY as PREVIEW_KEY  # a light module now
from jydesk.ui.printing.support import PrintRequest, print_requests
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.lazy import lazy_module
from jydesk.ui.shell.panel_base import NavEntry, Panel
from jydesk.ui.widgets import ask

if TYPE_CHECKING:  # imported where used: not needed before the window is shown
    from jydesk.domain import casework
    from jydesk.store import cases as svc
    from jydesk.store.cases import CaseQuery
    from jydesk.ui.cases.dialogs import NewCaseDialog
    from jydesk.ui.shell.workers import Job
else:
    casework = lazy_module("jydesk.domain.casework")
    svc = lazy_module("jydesk.store.cases")

CASES_KEY = "cases"
CASES_DUE_KEY = "cases_due"
ALL = "全部"


class CasesPanel(Panel):
    panel_id = "cases"
    title = "案件"
    area = "center"
    tab_with = "list"
    stretch = 6
    nav_entries = (NavEntry(CASES_KEY, "全部申请", "救助申请", 30),
                   NavEntry(CASES_DUE_KEY, "即将到期/已超期", "救助申请", 31))

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.model = CaseTableModel()
        self._job: Job | None = None  # the load running now (one at a time)
        self._again = False  # a reload was asked for while it ran
        self._wanted: set[str] = set()  # extras for the next load: "groups", "seed"
        self.form_filter = QComboBox()
        self.form_filter.addItem(ALL, None)  # the form types are added by start() (reading them takes a while)
        self.status_filter = QComboBox()
        self.status_filter.addItem(ALL, None)
        for status in CaseStatus:
            self.status_filter.addItem(status.value, status.value)
        self.group_filter = QComboBox()
        self.deadline_filter = QComboBox()
        self.deadline_filter.addItem(ALL, None)
        self.deadline_filter.addItem("即将到期或已超期", "warn")
        self.deadline_filter.addItem(casework.DeadlineState.DUE_SOON.value, casework.DeadlineState.DUE_SOON)
        self.deadline_filter.addItem(casework.DeadlineState.OVERDUE.value, casework.DeadlineState.OVERDUE)
        self.name_filter = QLineEdit()
        self.name_filter.setPlaceholderText("申请人姓名")
        self.name_filter.setClearButtonEnabled(True)

        self.count_buttons = QButtonGroup(self)
        self.count_buttons.setExclusive(False)
        self.count_row = QHBoxLayout()
        self.count_row.setSpacing(4)
        self.status_buttons: dict[str, QPushButton] = {}
        for status in CaseStatus:
            button = QPushButton(status.value)
            button.setCheckable(True)
            button.setObjectName("modeButton")
            button.clicked.connect(lambda _c=False, s=status.value: self._status_clicked(s))
            self.count_row.addWidget(button)
            self.status_buttons[status.value] = button
        self.count_row.addStretch(1)
        self.warning = QLabel()
        self.warning.setObjectName("formBanner")
        self.warning.hide()
        self.warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.warning.linkActivated.connect(lambda _l: self.show_entry(CASES_DUE_KEY))

        self.view = QTableView()
        self.view.setObjectName("recordTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(26)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for i, (_t, _f, width) in enumerate(COLUMNS):
            self.view.setColumnWidth(i, width)

        self.new_button = QPushButton("新建申请")
        self.new_button.setObjectName("primaryButton")
        self.open_button = QPushButton("打开")
        self.print_button = QPushButton("批量打印所选")
        self.print_button.setToolTip("把所选申请合成一个打印任务，先预览再打印")
        self.discard_button = QPushButton("删除草稿")
        self.holiday_button = QPushButton("节假日设置…")
        self.refresh_button = QPushButton("刷新")
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")

        filters = QHBoxLayout()
        for label, widget in (("类型", self.form_filter), ("状态", self.status_filter), ("组", self.group_filter),
                              ("时限", self.deadline_filter)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.name_filter, 1)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.open_button, self.print_button, self.discard_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        buttons.addWidget(self.holiday_button)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(filters)
        layout.addLayout(self.count_row)
        layout.addWidget(self.warning)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

        self.filter_timer = QTimer(self)
        self.filter_timer.setSingleShot(True)
        self.filter_timer.setInterval(200)
        self.filter_timer.timeout.connect(self.reload)
        for combo in (self.form_filter, self.status_filter, self.group_filter, self.deadline_filter):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.name_filter.textChanged.connect(lambda _t: self.filter_timer.start())
        self.view.doubleClicked.connect(lambda index: self.open_case(self.model.rows[index.row()].id))
        self.view.activated.connect(lambda index: self.open_case(self.model.rows[index.row()].id))
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.new_button.clicked.connect(self.new_case)
        self.open_button.clicked.connect(self._open_selected)
        self.print_button.clicked.connect(self.print_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        self.holiday_button.clicked.connect(self.edit_holidays)
        self.refresh_button.clicked.connect(self.reload)
        ctx.hub.record_saved.connect(self._record_saved)
        ctx.hub.actor_changed.connect(self.reload)

    def start(self) -> None:
        """After the window's first paint: seed holidays once, read form types, groups and the list (in a worker)."""
        self._wanted |= {"seed", "groups"}
        self.reload()

    # ---- data ----

    @property
    def loading(self) -> bool:
        """True while a load of the list runs in the worker pool."""
        return self._job is not None

    def query(self) -> CaseQuery:
        state = self.deadline_filter.currentData()
        return svc.CaseQuery(form_code=self.form_filter.currentData(), status=self.status_filter.currentData(),
                         group_no=self.group_filter.currentData(),
                         deadline_state=state if isinstance(state, casework.DeadlineState) else None,
                         text=self.name_filter.text())

    def _warn_only(self) -> bool:
        return bool(self.deadline_filter.currentData() == "warn")

    def _request(self) -> ListRequest:
        return ListRequest(self.query(), warn_only=self._warn_only(),
                           with_forms=self.form_filter.count() <= 1, with_groups="groups" in self._wanted,
                           seed_actor=self.ctx.actor if "seed" in self._wanted else None)

    def reload(self) -> None:
        """Reload the list in a worker; asked for while a load runs, it runs once more afterwards."""
        self.filter_timer.stop()
        if self._job is not None:
            self._again = True
            return
        self._again = False
        self.count_label.setText("正在加载…")
        self.count_label.setToolTip("")
        job = self.ctx.workers.submit(load_cases, self.ctx.store, self._request())
        job.signals.result.connect(self._loaded)
        job.signals.error.connect(self._failed)
        self._job = job

    def _loaded(self, listing: CaseListing) -> None:
        self._job = None
        request = listing.request
        if listing.forms is not None and self.form_filter.count() <= 1:
            self.form_filter.blockSignals(True)
            for title, code in listing.forms:
                self.form_filter.addItem(title, code)
            self.form_filter.blockSignals(False)
        if listing.groups is not None:
            self._fill_groups(listing.groups)
            self._wanted.discard("groups")
        if request.seed_actor is not None:
            self._wanted.discard("seed")
        current = request.query == self.query() and request.warn_only == self._warn_only()
        if current:
            self._apply(listing)  # when a reload is queued: newer than what is shown, replaced soon
        if self._again or not current:  # filters changed meanwhile (or the chosen 组 vanished): read again
            self.reload()

    def _failed(self, exc: BaseException) -> None:
        self._job = None
        if self._again:
            self.reload()
            return
        self.count_label.setText("案件列表读取失败，请点“刷新”重试")
        self.count_label.setToolTip(str(exc))

    def _fill_groups(self, groups: list[int]) -> None:
        current = self.group_filter.currentData()
        self.group_filter.blockSignals(True)
        self.group_filter.clear()
        self.group_filter.addItem(ALL, None)
        for g in groups:
            self.group_filter.addItem(f"{g}组", g)
        index = self.group_filter.findData(current)
        self.group_filter.setCurrentIndex(max(index, 0))
        self.group_filter.blockSignals(False)

    def _apply(self, listing: CaseListing) -> None:
        """Show a load's rows, counts and warning line (GUI thread), keeping the selection."""
        selected = set(self.selected_ids())
        rows, status = listing.rows, listing.request.query.status
        self.model.set_rows(rows)
        for name, button in self.status_buttons.items():
            button.setText(f"{name} {listing.counts.get(name, 0)}")
            button.setChecked(status == name)
        soon, late = listing.due_soon, listing.overdue
        if soon or late:
            parts = ([f"已超期 {late} 件"] if late else []) + ([f"即将到期 {soon} 件"] if soon else [])
            self.warning.setText(f"办理时限提醒：{'，'.join(parts)}　<a href='due'>只看这些</a>")
            self.warning.show()
        else:
            self.warning.hide()
        self.count_label.setText(f"共 {len(rows)} 件")
        for r, row in enumerate(rows):
            if row.id in selected:
                self.view.selectRow(r)
        self._update_buttons()

    def _context_menu(self, pos: object) -> None:
        from PySide6.QtWidgets import QMenu

        index = self.view.indexAt(pos)  # type: ignore[arg-type]
        if not index.isValid() or index.row() >= len(self.model.rows):
            return
        case_id = self.model.rows[index.row()].id
        menu = QMenu(self)
        menu.addAction("打开", lambda: self.open_case(case_id))
        menu.addAction("修改记录…", lambda: self.ctx.hub.show_history.emit("case", case_id))
        menu.exec(self.view.viewport().mapToGlobal(pos))  # type: ignore[arg-type]

    def selected_ids(self) -> list[str]:
        return [self.model.rows[i.row()].id for i in self.view.selectionModel().selectedRows()
                if i.row() < len(self.model.rows)]

    def _update_buttons(self) -> None:
        ids = self.selected_ids()
        self.open_button.setEnabled(len(ids) == 1)
        self.print_button.setEnabled(bool(ids))
        self.print_button.setText(f"批量打印所选（{len(ids)}）" if len(ids) > 1 else "打印所选")
        drafts = {r.id for r in self.model.rows if r.status == CaseStatus.DRAFT.value}
        self.discard_button.setEnabled(bool(ids) and all(i in drafts for i in ids))

    def _status_clicked(self, status: str) -> None:
        current = self.status_filter.currentData()
        index = self.status_filter.findData(None if current == status else status)
        self.status_filter.setCurrentIndex(max(index, 0))

    def _record_saved(self, entity: str, _id: str) -> None:
        if entity in ("case", "household", "person", "case_event"):
            if entity != "case":
                self._wanted.add("groups")
            self.reload()

    # ---- actions ----

    def new_case(self) -> str | None:
        from jydesk.ui.cases.dialogs import NewCaseDialog

        dialog = NewCaseDialog(self.ctx, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return self.create_from(dialog)

    def create_from(self, dialog: NewCaseDialog) -> str | None:
        person = dialog.selected()
        if person is None:
            return None
        try:
            case_id = svc.create_case(self.ctx.store, self.ctx.actor, dialog.form_code(),
                                      household_id=person.household_id, applicant_id=person.id)
        except (ValidationError, KeyError) as exc:
            QMessageBox.warning(self, "新建申请", getattr(exc, "message", None) or str(exc))
            return None
        self.ctx.hub.record_saved.emit("case", case_id)
        self.ctx.hub.outbox_changed.emit()
        self.open_case(case_id)
        return case_id

    def open_case(self, case_id: str) -> None:
        self.ctx.hub.navigate.emit(CASE_FORM_KEY)
        self.ctx.hub.open_case.emit(case_id)

    def _open_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.open_case(ids[0])

    def print_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        rows = {r.id: r for r in self.model.rows}
        if len(ids) == 1:
            r = rows[ids[0]]
            title = f"{svc.form_title(r.form_code)} · {r.applicant_name}"
        else:
            title = f"批量打印 {len(ids)} 份申请"
        self.ctx.hub.navigate.emit(PREVIEW_KEY)
        print_requests(self.ctx).requested.emit(PrintRequest(title, tuple(ids)))

    def discard_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        if not ask.confirm(self, "删除草稿", f"确定删除所选的 {len(ids)} 份申请草稿吗？删除后不能恢复。", yes="删除"):
            return
        for cid in ids:
            try:
                svc.discard_case(self.ctx.store, self.ctx.actor, cid)
            except (ValidationError, svc.CaseNotFound) as exc:
                QMessageBox.warning(self, "删除草稿", getattr(exc, "message", str(exc)))
        self.ctx.hub.outbox_changed.emit()
        self.reload()

    def edit_holidays(self) -> None:
        from jydesk.ui.cases.dialogs import HolidayDialog

        dialog = HolidayDialog(self.ctx, self)
        dialog.exec()
        if dialog.changed:
            self.reload()

    # ---- Panel hooks ----

    def show_entry(self, key: str) -> None:
        if key == CASES_DUE_KEY:
            self.status_filter.setCurrentIndex(0)
            self.deadline_filter.setCurrentIndex(self.deadline_filter.findData("warn"))
        else:
            self.deadline_filter.setCurrentIndex(0)
        self.reload()

    def focus_search(self) -> bool:
        self.name_filter.setFocus()
        self.name_filter.selectAll()
        return True
