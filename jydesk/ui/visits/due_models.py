"""The 待探访 list's data: its columns and row model, the filter modes, and one load of the
week's list and the open follow-up items (:func:`load`, run in a worker)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from jydesk.domain.care import Tier
from jydesk.domain.visits import IsoWeek, VisitStatus
from jydesk.store.database import Store
from jydesk.ui.shell.lazy import lazy_module

if TYPE_CHECKING:  # imported where used: not needed before the window is shown
    from jydesk.store import visits as visit_service
    from jydesk.store.visits import DueItem, FollowUpRow
else:
    visit_service = lazy_module("jydesk.store.visits")

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
STATUS_COLORS = {VisitStatus.OVERDUE: "#c62828", VisitStatus.DUE: "#1f2933", VisitStatus.DONE: "#2e7d32",
                 VisitStatus.NOT_DUE: "#7b8794"}
TIER_COLORS = {Tier.HIGH: "#b71c1c", Tier.FOCUS: "#9a6700", Tier.GENERAL: "#3e4c59"}
MODES = (("pending", "待访"), ("overdue", "已超期"), ("done", "本周已访"), ("all", "全部探访对象"))


def _md(day: date | None) -> str:
    return f"{day.month}月{day.day}日" if day else ""


def _status_text(item: DueItem) -> str:
    if item.status is VisitStatus.OVERDUE:
        return f"已超期{item.days_overdue}天" if item.days_overdue else "已超期"
    if item.status is VisitStatus.DONE:
        return "本周已访" if item.due_in_week else "本周加访"
    if item.status is VisitStatus.DUE and item.week_status.last_visit is None:
        return "从未探访"
    return item.status.value


@dataclass(frozen=True)
class _Col:
    title: str
    text: Any
    width: int
    align: Qt.AlignmentFlag = LEFT


COLUMNS: tuple[_Col, ...] = (
    _Col("状态", _status_text, 92),
    _Col("姓名", lambda i: i.name, 72),
    _Col("性别", lambda i: i.sex or "", 40, CENTER),
    _Col("年龄", lambda i: "" if i.age is None else str(i.age), 40, RIGHT),
    _Col("探访等级", lambda i: i.tier_label + ("（调整）" if i.overridden else ""), 110),
    _Col("组", lambda i: f"{i.group_no}组" if i.group_no else "", 40, CENTER),
    _Col("住址", lambda i: i.address, 220),
    _Col("联系电话", lambda i: i.phone, 104),
    _Col("上次探访", lambda i: _md(i.last_visit) or "—", 70, CENTER),
    _Col("间隔天数", lambda i: "" if i.days_since_last is None else str(i.days_since_last), 60, RIGHT),
    _Col("应访日期", lambda i: _md(i.week_status.due_on), 70, CENTER),
    _Col("待跟进", lambda i: str(i.open_follow_ups) if i.open_follow_ups else "", 50, CENTER),
)


class DueModel(QAbstractTableModel):
    """The rows of the visible filter (a few hundred in a village: all in memory)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[DueItem] = []

    def set_items(self, items: Sequence[DueItem]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.items):
            return None
        item, col = self.items[index.row()], COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(item)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align.value)
        if role == Qt.ItemDataRole.ForegroundRole:
            if index.column() == 0:
                return QBrush(QColor(STATUS_COLORS[item.status]))
            if index.column() == 4 and item.tier in TIER_COLORS:
                return QBrush(QColor(TIER_COLORS[item.tier]))
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == 4:
                return f"依据：{item.tier_reason}"
            if index.column() == 6:
                return item.address
        if role == Qt.ItemDataRole.UserRole:
            return item.person_id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None


def load(store: Store, week: IsoWeek, today: date) -> tuple[list[DueItem], list[FollowUpRow]]:
    """Everyone with a plan in ``week`` and the open follow-up items (runs in a worker)."""
    with store.read() as s:
        return (visit_service.due_list(s, week, today, include_not_due=True), visit_service.follow_ups(s))


def matches(item: DueItem, mode: str, text: str) -> bool:
    if mode == "pending" and item.status not in (VisitStatus.DUE, VisitStatus.OVERDUE):
        return False
    if mode == "overdue" and item.status is not VisitStatus.OVERDUE:
        return False
    if mode == "done" and item.status is not VisitStatus.DONE:
        return False
    return not text or text in item.name or text in item.address or text in item.phone
