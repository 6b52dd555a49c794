"""The 案件 list's data: its rows, columns and deadline colours, and one load of it
(:func:`load_cases`, plain Python: it runs in a worker so the window never waits for it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from jydesk.domain.entities import CaseStatus
from jydesk.store import Actor, Store
from jydesk.ui.shell.lazy import lazy_module

if TYPE_CHECKING:  # imported where used: not needed before the window is shown
    from jydesk.domain import casework
    from jydesk.store import cases as svc
    from jydesk.store.cases import CaseQuery, CaseRow
else:
    casework = lazy_module("jydesk.domain.casework")
    svc = lazy_module("jydesk.store.cases")

log = logging.getLogger(__name__)

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
