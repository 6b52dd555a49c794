"""家庭成员 in the household editor: one row per member, ID numbers masked until revealed, rows
the last save refused in red with their messages in the name's tooltip."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from jydesk.domain import idnumber
from jydesk.domain.errors import FieldError
from jydesk.store.registry import MemberForm
from jydesk.ui.registry.person_form import derived_summary

MEMBER_COLUMNS = ("姓名", "与户主关系", "性别", "年龄", "身份证号")


class MembersTable(QTableWidget):
    """The members of the household being edited (read-only rows: the member form edits them)."""

    def __init__(self) -> None:
        super().__init__(0, len(MEMBER_COLUMNS))
        self.setObjectName("memberTable")
        self.setHorizontalHeaderLabels(list(MEMBER_COLUMNS))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((90, 90, 50, 50)):
            self.setColumnWidth(col, width)
        self.verticalHeader().setDefaultSectionSize(28)
        self.setShowGrid(False)
        self.horizontalHeader().setFixedHeight(30)

    def fill(self, members: Sequence[MemberForm], revealed: Collection[str],
             errors: Mapping[int, list[FieldError]]) -> None:
        """One row per member (``revealed``: ids whose full ID number may show; ``errors`` by row)."""
        self.blockSignals(True)
        self.setRowCount(len(members))
        for row, member in enumerate(members):
            self.fill_row(row, member, revealed, errors)
        self.blockSignals(False)
        self.fit(len(members))

    def fit(self, members: int) -> None:
        """Show up to 7 members without scrolling; more scroll inside the table."""
        rows = min(max(members, 3), 7)
        height = 30 + rows * 28 + 2 * self.frameWidth() + 2
        self.setFixedHeight(height)

    def fill_row(self, row: int, member: MemberForm, revealed: Collection[str],
                 errors: Mapping[int, list[FieldError]]) -> None:
        sex, age = derived_summary(member)
        masked = member.id is not None and member.id not in revealed
        number = idnumber.mask(member.id_number) if masked else member.id_number
        values = (member.name or "（未填姓名）", member.relation or "", sex, age, number)
        bad = row in errors
        for col, value in enumerate(values):
            item = self.item(row, col)
            if item is None:
                item = QTableWidgetItem()
                self.setItem(row, col, item)
            item.setText(value)
            item.setForeground(QColor("#c62828") if bad else QColor("#1f2933"))
            if col == 0:
                item.setToolTip("；".join(e.message for e in errors.get(row, [])) or "")
