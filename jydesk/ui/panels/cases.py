"""案件: the list of applications (filters, counts per status, deadline warnings) and the
申请表 panel that edits one (generated from its form definition).

Two panels, registered one line each in ``PANELS``:

- :class:`CasesPanel` (``cases``): filter by type, status, 组, deadline state and name; counts
  per status (click one to filter); 即将到期/已超期 highlighted; 新建申请, batch print of the
  selected cases, 删除草稿, 节假日设置. The list is read in a worker (:func:`load_cases`) so the
  window never waits for it.
- :class:`CaseEditorPanel` (``case_form``): the editor; drafts go to the drafts table 5 s
  after the last keystroke (and on lock/close) so a crash loses nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
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
from jydesk.store import Actor, Store
from jydesk.ui.context import AppContext
from jydesk.ui.dialogs import ask
from jydesk.ui.lazy import lazy_module
from jydesk.ui.panels.base import EditorPanel, NavEntry, Panel
from jydesk.ui.panels.print_preview import NAV_KEY as PREVIEW_KEY  # a light module now
from jydesk.ui.printing_support import PrintRequest, print_requests

if TYPE_CHECKING:  # imported where used: not needed before the window is shown
    from jydesk.domain import casework
    from jydesk.store import cases as svc
    from jydesk.store import registry
    from jydesk.store.cases import CaseQuery, CaseRow
    from jydesk.ui.case_dialogs import NewCaseDialog
    from jydesk.ui.case_editor import CaseEditor
    from jydesk.ui.workers import Job
else:
    casework = lazy_module("jydesk.domain.casework")
    svc = lazy_module("jydesk.store.cases")
    registry = lazy_module("jydesk.store.registry")

log = logging.getLogger(__name__)

CASES_KEY = "cases"
CASES_DUE_KEY = "cases_due"
CASE_FORM_KEY = "case_form"
DRAFT_KIND = "case"
ALL = "全部"


@cache
def state_colours() -> dict[Any, tuple[QColor, QColor]]:
    """Text and background colours of the warned deadline states (即将到期, 已超期)."""
    state = casework.DeadlineState
    return {state.DUE_SOON: (QColor("#b45309"), QColor("#fff4e0")),
            state.OVERDUE: (QColor("#c62828"), QColor("#fdecea"))}


def _date(d: date | None) -> str:
    return f"{d:%Y-%m-%d}" if d else ""


COLUMNS: tuple[tuple[str, Any, int], ...] = (
    ("申请类型", lambda r: svc.form_title(r.form_code), 190),
    ("申请人", lambda r: r.applicant_name, 80),
    ("组", lambda r: f"{r.group_no}组" if r.group_no else "", 44),
    ("状态", lambda r: r.status, 70),
    ("申请日期", lambda r: _date(r.applied_on), 90),
    ("办理时限", lambda r: r.deadline_text, 260),
    ("最近修改", lambda r: f"{r.updated_at:%Y-%m-%d %H:%M}", 120),
)


class CaseTableModel(QAbstractTableModel):
    """The case rows of the current filter (a village has hundreds, not 100k: kept in memory)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CaseRow] = []

    def set_rows(self, rows: list[CaseRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()][1](row)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 5:
            colours = state_colours().get(row.deadline_state)
            return QBrush(colours[0]) if colours else None
        if role == Qt.ItemDataRole.BackgroundRole:
            colours = state_colours().get(row.deadline_state)
            return QBrush(colours[1]) if colours else None
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 5 and row.deadline is not None:
            return f"{row.deadline.limit.source}（{row.deadline.limit.working_days}个工作日）"
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None


@dataclass(frozen=True, slots=True)
class ListRequest:
    """What one load of the 案件 list reads (taken from the filters when it is asked for)."""

    query: CaseQuery
    warn_only: bool = False  # 时限 "即将到期或已超期"
    with_forms: bool = False  # the form types for the 类型 filter
    with_groups: bool = False  # the 组 numbers for the 组 filter
    seed_actor: Actor | None = None  # put the shipped holiday schedules in first (as this clerk)


@dataclass(frozen=True, slots=True)
class CaseListing:
    """One load's result: the rows to show and the figures around them."""

    request: ListRequest
    rows: list[CaseRow]
    counts: dict[str, int]  # per status, the status filter ignored
    due_soon: int
    overdue: int
    forms: list[tuple[str, str]] | None  # (title, code)
    groups: list[int] | None


def load_cases(store: Store, request: ListRequest) -> CaseListing:
    """Read the 案件 list for ``request`` (plain Python: runs in a worker thread)."""
    if request.seed_actor is not None:
        try:
            svc.seed_holidays(store, request.seed_actor)
        except Exception:
            log.exception("导入节假日安排失败")
    forms = [(d.title, d.code) for d in svc.case_forms()] if request.with_forms else None
    groups = svc.group_numbers(store) if request.with_groups else None
    q = request.query
    everything = svc.list_cases(store, svc.CaseQuery(q.form_code, None, q.group_no, None, q.text),
                                today=date.today(), calendar=svc.work_calendar(store))
    counts = {s.value: 0 for s in CaseStatus}
    for r in everything:
        counts[r.status] = counts.get(r.status, 0) + 1
    rows = [r for r in everything if q.status is None or r.status == q.status]
    if request.warn_only:
        rows = [r for r in rows if r.deadline_state in state_colours()]
    elif q.deadline_state is not None:
        rows = [r for r in rows if r.deadline_state is q.deadline_state]
    soon = sum(r.deadline_state is casework.DeadlineState.DUE_SOON for r in everything)
    late = sum(r.deadline_state is casework.DeadlineState.OVERDUE for r in everything)
    return CaseListing(request, rows, counts, soon, late, forms, groups)


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
        from jydesk.ui.case_dialogs import NewCaseDialog

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
        from jydesk.ui.case_dialogs import HolidayDialog

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


class CaseEditorPanel(EditorPanel):
    panel_id = "case_form"
    title = "申请表"
    area = "right"
    tab_with = "detail"
    stretch = 5
    nav_entries = (NavEntry(CASE_FORM_KEY, "当前申请表", "救助申请", 32),)

    placeholder_text = "在“案件”列表中双击一份申请打开；\n或点“新建申请”。"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._editor: CaseEditor | None = None  # built when a case is first opened (see ``editor``)
        ctx.hub.open_case.connect(self.open_case)
        ctx.hub.record_saved.connect(self._saved_elsewhere)
        self._emitting = False

    @property
    def editor(self) -> CaseEditor:
        """The form editor, built on first use (it is hidden until a case is opened)."""
        if self._editor is None:
            from jydesk.ui.case_editor import CaseEditor

            editor = CaseEditor(self.ctx)
            self.stack.addWidget(editor)
            editor.edited.connect(self.draft_timer.start)
            editor.saved.connect(self._after_save)
            editor.moved.connect(self._after_move)
            editor.print_requested.connect(self._print)
            self._editor = editor
        return self._editor

    @property
    def case_id(self) -> str | None:
        editor = self._editor
        return editor.case.id if editor is not None and editor.case is not None \
            and self.stack.currentWidget() is editor else None

    def open_case(self, case_id: str, overlay: dict[str, Any] | None = None) -> bool:
        if self.case_id == case_id and overlay is None:
            return True
        if not self.confirm_leave():
            return False
        if overlay is None:
            overlay = self._stored_draft(case_id)
        try:
            self.editor.open_case(case_id, overlay)
        except svc.CaseNotFound:
            QMessageBox.warning(self, "打开申请", "该申请已不存在（可能已删除）")
            return False
        except KeyError as exc:
            QMessageBox.warning(self, "打开申请", f"找不到申请表定义：{exc}")
            return False
        if overlay:
            self.editor.banner.show_message("已恢复上次未保存的录入内容，请核对后保存")
        self.stack.setCurrentWidget(self.editor)
        return True

    def _draft_key(self, case_id: str) -> str:
        return registry.draft_id(self.ctx.actor.id, DRAFT_KIND, case_id)

    def _stored_draft(self, case_id: str) -> dict[str, Any] | None:
        key = self._draft_key(case_id)
        for draft in registry.list_drafts(self.ctx.store, self.ctx.actor.id):
            if draft.id == key:
                values = draft.payload.get("values")
                return values if isinstance(values, dict) else None
        return None

    def confirm_leave(self, question: str | None = None) -> bool:
        return super().confirm_leave(question or "当前申请表有尚未保存的修改，是否保存？")

    # ---- Panel hooks ----

    def has_unsaved_changes(self) -> bool:
        return self.case_id is not None and self.editor.is_dirty()

    def unsaved_summary(self) -> str:
        return self.editor.heading.text()

    def save(self) -> bool:
        if self.case_id is None or not self.editor.is_dirty():
            return True
        ok = self.editor.save()
        if not ok:
            self.save_draft()
        return ok

    def discard_changes(self) -> None:
        self.draft_timer.stop()
        case_id = self.case_id
        if case_id is not None:
            self._drop_draft(case_id)
            self.editor.open_case(case_id)

    def save_draft(self) -> None:
        self.draft_timer.stop()
        case_id = self.case_id
        if case_id is None or not self.editor.is_dirty():
            return
        try:
            registry.save_draft(self.ctx.store, self.ctx.actor, self._draft_key(case_id), DRAFT_KIND,
                                {"case_id": case_id, "values": self.editor.values()})
        except Exception:
            log.exception("保存申请草稿失败")

    def restore_draft(self, kind: str, key: str, payload: dict) -> bool:
        if kind != DRAFT_KIND or not payload.get("case_id"):
            return False
        return self.open_case(str(payload["case_id"]), overlay=payload.get("values") or {})

    def clear_for_other_clerk(self) -> None:
        self.draft_timer.stop()
        self.stack.setCurrentWidget(self.placeholder)

    def show_entry(self, key: str) -> None:
        if self._editor is None or self._editor.case is None:
            self.stack.setCurrentWidget(self.placeholder)

    # ---- after saving, moving, printing ----

    def _drop_draft(self, case_id: str) -> None:
        try:
            registry.discard_draft(self.ctx.store, self.ctx.actor, self._draft_key(case_id))
        except Exception:
            log.exception("删除申请草稿失败")

    def _after_save(self, case_id: str) -> None:
        self.draft_timer.stop()
        if self.editor.is_dirty():
            self.save_draft()  # input that could not be stored stays in the draft
        else:
            self._drop_draft(case_id)
        self._emit_saved(case_id)

    def _after_move(self, case_id: str, _status: str) -> None:
        self._drop_draft(case_id)
        self._emit_saved(case_id)

    def _emit_saved(self, case_id: str) -> None:
        self._emitting = True
        try:
            self.ctx.hub.record_saved.emit("case", case_id)
        finally:
            self._emitting = False
        self.ctx.hub.outbox_changed.emit()

    def _saved_elsewhere(self, entity: str, record_id: str) -> None:
        if self._emitting or entity != "case" or record_id != self.case_id or self.editor.is_dirty():
            return
        try:
            self.editor.open_case(record_id)
        except svc.CaseNotFound:
            self.stack.setCurrentWidget(self.placeholder)

    def _print(self, case_id: str, companion: str) -> None:
        case = self.editor.case
        if case is None:
            return
        if companion:
            from jydesk.domain.forms import get_definition

            title = f"{get_definition(companion).title} · {case.applicant_name}"
        else:
            title = f"{svc.form_title(case.form_code)} · {case.applicant_name}"
        self.ctx.hub.navigate.emit(PREVIEW_KEY)
        print_requests(self.ctx).requested.emit(PrintRequest(title, (case_id,), form_code=companion or None))
