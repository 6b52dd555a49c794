"""统计: this week's 探访率 of the high-risk group (done / due) and the last 12 weeks as a chart.

The city's aim is 100% weekly visits of the high-risk group (REFERENCE.md "Visit record").
Figures are computed in a worker and refreshed when a visit or a person is saved.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout

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
    from jydesk.store import visits as visit_service
else:
    visit_service = lazy_module("jydesk.store.visits")


def load(store: Store, week: IsoWeek) -> list[Coverage]:
    with store.read() as s:
        return visit_service.coverage_history(s, week, WEEKS)


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
        self._job: Any = None
        self._stale = False

        heading = QLabel("高风险老年人本周探访率")
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
        note = QLabel("探访率 = 本周已探访的高风险对象 ÷ 本周应探访的高风险对象。市级目标：100%。")
        note.setObjectName("dialogSubtitle")
        note.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(heading)
        layout.addLayout(figures)
        layout.addWidget(self.chart_view, 1)
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

    def _loaded(self, history: list[Coverage]) -> None:
        if not self._current_job():
            return
        self._job = None
        self.history = history
        self._show()
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
            self.detail_label.setText(f"{cov.week.label}\n本村目前没有高风险探访对象")
        self._draw_chart()

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
