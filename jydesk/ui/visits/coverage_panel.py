"""统计: the plan's indicator 特殊困难老年人周探访率 — this week (done / due), the last 12 weeks
as a chart, per 组 in a table; clicking a 组 lists its people not visited yet this week
(``jydesk.store.visits.coverage``). Also warns when next year's holiday schedule is missing
after 1 December (deadlines crossing into it are only approximate).

The city's aim is 100% (成办发〔2022〕28号). Figures are computed in a worker and refreshed
when a visit or a person is saved.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from jydesk.store.database import Store
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.lazy import lazy_module
from jydesk.ui.shell.panel_base import NavEntry, Panel
from jydesk.ui.visits.jobs import run_in_worker

NAV_KEY = "visit_coverage"
WEEKS = 12
GOOD, WARN, BAD = "#2e7d32", "#b45309", "#c62828"

if TYPE_CHECKING:  # QtCharts and the visit rules load when the panel is built
    from jydesk.domain.visits import Coverage, IsoWeek
    from jydesk.store import cases as case_service
    from jydesk.store import visits as visit_service
else:
    visit_service = lazy_module("jydesk.store.visits")
    case_service = lazy_module("jydesk.store.cases")


def load(store: Store, week: IsoWeek, today: date | None = None) -> tuple[Any, str]:
    """The weekly group's coverage and the holiday warning (empty when none is due)."""
    from jydesk.domain.workdays import next_year_warning

    with store.read() as s:
        result = visit_service.weekly_coverage(s, week, WEEKS)
    return result, next_year_warning(case_service.work_calendar(store), today or date.today())


def group_name(group: int | None) -> str:
    return "未分组" if group is None else f"{group}组"


def rate_color(cov: Coverage) -> str:
    if cov.rate is None or cov.rate >= 1:
        return GOOD
    return WARN if cov.rate >= 0.8 else BAD


class CoveragePanel(Panel):
    panel_id = "coverage"
    title = "统计"
    area = "right"
    tab_with = "detail"
    stretch = 3
    nav_entries = (NavEntry(NAV_KEY, "探访统计", "探访", 40),)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.history: list[Coverage] = []
        self.result: Any = None  # visit_service.WeeklyCoverage
        self._job: Any = None
        self._stale = False

        self.warning_label = QLabel("")
        self.warning_label.setObjectName("warningBanner")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(f"color: {BAD}")
        self.warning_label.hide()
        heading = QLabel("特殊困难老年人周探访率")
        heading.setObjectName("editorHeading")
        self.rate_label = QLabel("—")
        self.rate_label.setObjectName("coverageRate")
        font = self.rate_label.font()
        font.setPointSize(28)
        font.setBold(True)
        self.rate_label.setFont(font)
        self.detail_label = QLabel("正在统计…")
        self.detail_label.setObjectName("dialogSubtitle")
        self.detail_label.setWordWrap(True)
        figures = QHBoxLayout()
        figures.addWidget(self.rate_label)
        figures.addWidget(self.detail_label, 1)

        from PySide6.QtCharts import QChart, QChartView

        self.chart = QChart()
        self.chart.setTitle(f"近{WEEKS}周探访率（%）")
        self.chart.legend().hide()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.setBackgroundRoundness(0)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)
        note = QLabel("周探访率 = 本周已探访的特殊困难老年人 ÷ 本周应探访的特殊困难老年人"
                      "（60周岁以上且独居、孤寡、高龄、重病、残疾或经济特困，以市局下发的规则为准）。市级目标：100%。")
        note.setObjectName("dialogSubtitle")
        note.setWordWrap(True)
        self.groups = QTableWidget(0, 5)
        self.groups.setHorizontalHeaderLabels(["组", "应访", "已访", "未访", "本周探访率"])
        self.groups.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.groups.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.groups.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.groups.verticalHeader().hide()
        self.groups.setToolTip("点击一个组，下方列出该组本周尚未探访的人")
        self.groups.itemSelectionChanged.connect(self._show_pending)
        self.pending_label = QLabel("本周未探访：点击上表中的组查看")
        self.pending = QListWidget()
        self.pending.setAccessibleName("本周尚未探访的特殊困难老年人")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.warning_label)
        layout.addWidget(heading)
        layout.addLayout(figures)
        layout.addWidget(self.chart_view, 1)
        layout.addWidget(self.groups, 1)
        layout.addWidget(self.pending_label)
        layout.addWidget(self.pending, 1)
        layout.addWidget(note)
        ctx.hub.record_saved.connect(self._record_saved)
        self.refresh()

    @property
    def current(self) -> Coverage | None:
        return self.history[-1] if self.history else None

    def refresh(self) -> None:
        if self._job is not None:
            self._stale = True
            return
        self._stale = False
        # Bound methods, not lambdas: a result arriving after the panel is gone is dropped.
        from jydesk.domain.visits import IsoWeek

        self._job = run_in_worker(self.ctx, load, self.ctx.store, IsoWeek.of(date.today()),
                                  on_result=self._loaded, on_error=self._failed)

    def _record_saved(self, entity: str, _record_id: str) -> None:
        if entity in ("visit", "person", "household"):
            self.refresh()

    def _current_job(self) -> bool:
        """True when the signal being handled comes from the job this panel waits for."""
        return self._job is not None and self.sender() is self._job.signals

    def _loaded(self, loaded: tuple[Any, str]) -> None:
        if not self._current_job():
            return
        self._job = None
        self.result, warning = loaded
        self.history = self.result.history
        self.warning_label.setText(warning)
        self.warning_label.setVisible(bool(warning))
        self._show()
        self._show_groups()
        if self._stale:
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        if self._current_job():
            self._job = None
            self.detail_label.setText(f"无法统计：{exc}")

    def _show(self) -> None:
        cov = self.current
        if cov is None:
            return
        self.rate_label.setText(cov.percent_text)
        self.rate_label.setStyleSheet(f"color: {rate_color(cov)}")
        if cov.due:
            self.detail_label.setText(f"{cov.week.label}\n应访 {cov.due} 人，已访 {cov.done} 人，"
                                      f"未访 {cov.due - cov.done} 人")
        else:
            self.detail_label.setText(f"{cov.week.label}\n本村目前没有需要每周探访的特殊困难老年人")
        self._draw_chart()

    def _show_groups(self) -> None:
        """One row per 组: this week's due, done, not yet and rate; the selection is kept."""
        selected = self.selected_group()
        self.groups.blockSignals(True)
        self.groups.setRowCount(0)
        for row, (group, weeks) in enumerate(self.result.groups.items()):
            cov = weeks[-1]
            self.groups.insertRow(row)
            cells = (group_name(group), str(cov.due), str(cov.done), str(cov.due - cov.done), cov.percent_text)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, group)
                if col == 4:
                    item.setForeground(QColor(rate_color(cov)))
                self.groups.setItem(row, col, item)
            if group == selected:
                self.groups.selectRow(row)
        self.groups.blockSignals(False)
        self._show_pending()

    def selected_group(self) -> int | bool | None:
        """The 组 selected in the table (False when none is)."""
        rows = self.groups.selectionModel().selectedRows() if self.groups.selectionModel() else []
        if not rows:
            return False
        item = self.groups.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else False

    def select_group(self, group: int | None) -> bool:
        """Select the row of ``group`` (its pending people are listed below); False if absent."""
        for row in range(self.groups.rowCount()):
            item = self.groups.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == group:
                self.groups.selectRow(row)
                return True
        return False

    def _show_pending(self) -> None:
        self.pending.clear()
        group = self.selected_group()
        if group is False or self.result is None:
            self.pending_label.setText("本周未探访：点击上表中的组查看")
            return
        people = self.result.pending_in(group)
        self.pending_label.setText(f"{group_name(group)}本周尚未探访（{len(people)}人）")
        for p in people:
            last = f"上次 {p.last_visit:%m-%d}" if p.last_visit else f"近{WEEKS}周未探访"
            item = QListWidgetItem(f"{p.name}　{p.age or ''}岁　{p.address}　{p.phone}　{last}　{p.reason}")
            item.setData(Qt.ItemDataRole.UserRole, p.person_id)
            self.pending.addItem(item)

    def pending_ids(self) -> list[str]:
        return [self.pending.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.pending.count())]

    def _draw_chart(self) -> None:
        from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QValueAxis

        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        bars = QBarSet("探访率")
        bars.setColor(QColor("#1565c0"))
        categories = []
        for cov in self.history:
            bars.append(0.0 if cov.rate is None else float(round(cov.rate * 100)))
            categories.append(f"{cov.week.week}周")
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append(categories)
        y_axis = QValueAxis()
        y_axis.setRange(0, 100)
        y_axis.setLabelFormat("%d")
        y_axis.setTickCount(6)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)

    def chart_values(self) -> list[float]:
        """The bar heights shown (percent), oldest week first."""
        series = self.chart.series()
        if not series:
            return []
        bars = series[0].barSets()[0]  # type: ignore[attr-defined]
        return [bars.at(i) for i in range(bars.count())]
