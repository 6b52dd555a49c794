"""保障统计: per benefit this month — 人数, 户数, 月金额, reviews due and overdue, 复核 and 生存认证
done; computed in a worker and refreshed when the register, a review or a change is saved."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.panel_base import NavEntry, Panel
from jydesk.ui.visits.jobs import run_in_worker

HEADERS = ("保障类别", "人数", "户数", "月金额（元）", "本月到期复核", "已逾期", "本月已复核", "本月生存认证")


def load(store: Any) -> list[Any]:
    from jydesk.store.recipients.stats import statistics

    return statistics(store)


class BenefitStatsPanel(Panel):
    panel_id = "benefit_stats"
    title = "保障统计"
    area = "right"
    tab_with = "coverage"
    visible_by_default = False
    nav_entries = (NavEntry("benefit_stats", "保障统计", "保障对象", 37),)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.lines: list[Any] = []
        self._job: Any = None
        self.heading = QLabel("本月保障情况")
        self.heading.setObjectName("editorHeading")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        ctx.hub.record_saved.connect(self._record_saved)

    def start(self) -> None:
        self.refresh()

    def show_entry(self, key: str) -> None:
        self.bring_to_front()

    def refresh(self) -> None:
        self._job = run_in_worker(self.ctx, load, self.ctx.store, on_result=self._loaded, on_error=self._failed)

    def _record_saved(self, entity: str, _rid: str) -> None:
        if entity in ("review", "recipient", "life_event", "benefit_change"):
            self.refresh()

    def _loaded(self, lines: list[Any]) -> None:
        if self._job is None or self.sender() is not self._job.signals:
            return
        self._job = None
        self.lines = lines
        total = [0, 0, 0, 0, 0, 0, 0]
        self.table.setRowCount(len(lines) + 1)
        for i, line in enumerate(lines):
            values = (line.persons, line.households, line.amount, line.due, line.overdue, line.reviews_done,
                      line.proofs_done)
            for k, v in enumerate(values):
                total[k] += v
            self._row(i, line.name, values)
        self._row(len(lines), "合计", tuple(total))

    def _row(self, i: int, name: str, values: tuple[Any, ...]) -> None:
        self.table.setItem(i, 0, QTableWidgetItem(name))
        for k, v in enumerate(values, 1):
            self.table.setItem(i, k, QTableWidgetItem(f"{v:.2f}" if k == 3 else str(v)))

    def _failed(self, exc: BaseException) -> None:
        self._job = None
        self.heading.setText(f"无法统计：{exc}")
