"""待复核: register rows whose review or proof of life is overdue or due this month (intervals
from the city's reference data), loaded in a worker; 记录 opens the form's dialog."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from jydesk.domain import benefits as b
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.panel_base import NavEntry, Panel
from jydesk.ui.visits.jobs import run_in_worker

HEADERS = ("状态", "应复核日期", "保障类别", "方式", "姓名", "组", "住址", "上次复核")


def load(store: Any, benefit: str | None) -> list[Any]:
    from jydesk.store.recipients.reviews import reviews_due

    return reviews_due(store, today=date.today(), benefit=benefit)


class ReviewsDuePanel(Panel):
    panel_id = "reviews_due"
    title = "待复核"
    area = "center"
    tab_with = "list"
    visible_by_default = False
    nav_entries = (NavEntry("reviews_due", "待复核与生存认证", "保障对象", 36),)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.items: list[Any] = []
        self._job: Any = None
        self.benefit = QComboBox()
        self.benefit.addItem("全部", None)
        for code, name in b.BENEFITS.items():
            self.benefit.addItem(name, code)
        self.summary = QLabel("—")
        self.summary.setObjectName("countLabel")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.record_button = QPushButton("记录复核/认证…")
        top = QHBoxLayout()
        top.setContentsMargins(8, 8, 8, 4)
        top.addWidget(QLabel("类别"))
        top.addWidget(self.benefit)
        top.addWidget(self.summary, 1)
        top.addWidget(self.record_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.benefit.currentIndexChanged.connect(self.refresh)
        self.record_button.clicked.connect(self.record_selected)
        self.table.doubleClicked.connect(self.record_selected)
        ctx.hub.record_saved.connect(self._record_saved)

    def start(self) -> None:
        self.refresh()

    def show_entry(self, key: str) -> None:
        self.bring_to_front()

    def refresh(self, *_args: Any) -> None:
        self._job = run_in_worker(self.ctx, load, self.ctx.store, self.benefit.currentData(),
                                  on_result=self._loaded, on_error=self._failed)

    def _record_saved(self, entity: str, _rid: str) -> None:
        if entity in ("review", "recipient", "life_event", "benefit_change"):
            self.refresh()

    def _loaded(self, items: list[Any]) -> None:
        if self._job is None or self.sender() is not self._job.signals:
            return
        self._job = None
        self.show_items(items)

    def _failed(self, exc: BaseException) -> None:
        self._job = None
        self.summary.setText(f"无法读取待复核名单：{exc}")

    def show_items(self, items: list[Any]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for i, d in enumerate(items):
            cells = (d.state.value, d.due_on.isoformat(), d.benefit_name, d.kind, d.name,
                     f"{d.group_no}组" if d.group_no else "", d.address,
                     d.last_review.isoformat() if d.last_review else "（从未）")
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        overdue = sum(1 for d in items if d.state is b.DueState.OVERDUE)
        self.summary.setText(f"本月到期 {len(items) - overdue} 人，已逾期 {overdue} 人")

    def record_selected(self, *_args: Any) -> None:
        from jydesk.ui.recipients.dialogs import ReviewDialog, run

        rows = self.table.selectionModel().selectedRows()
        if rows:
            d = self.items[rows[0].row()]
            run(ReviewDialog(self.ctx, d.recipient_id, d.kind, f"{d.name}（{d.benefit_name}）", self))
