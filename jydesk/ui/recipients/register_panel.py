"""在保对象: everyone receiving each benefit, filtered by benefit, 组 and status, with totals
(人数, 户数, 月金额) of the rows paid this month; a windowed list like the registry lists.
A change waiting for the decision (停发 after a death …) shows in the 待审批 column."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from jydesk.domain import benefits as b
from jydesk.domain.idnumber import mask
from jydesk.ui.registry.windowed_model import Column, WindowedTableModel
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.lazy import lazy_module
from jydesk.ui.shell.panel_base import NavEntry, Panel

if TYPE_CHECKING:
    from jydesk.store.recipients import register
else:
    register = lazy_module("jydesk.store.recipients.register")

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter
ALL = "全部"
COLUMNS = (
    Column("保障类别", lambda r: r.benefit_name, None, 110),
    Column("姓名", lambda r: r.name, None, 80),
    Column("身份证号", lambda r: mask(r.id_number), None, 160),
    Column("组", lambda r: f"{r.group_no}组" if r.group_no else "", None, 44, CENTER),
    Column("住址", lambda r: r.address, None, 180, tooltip=lambda r: r.address),
    Column("保障人数", lambda r: str(r.persons), None, 64, RIGHT),
    Column("月金额", lambda r: f"{r.amount:.2f}" if r.amount is not None else "", None, 80, RIGHT),
    Column("起始月份", lambda r: r.start_month or "", None, 72, CENTER),
    Column("状态", lambda r: r.status + (f"（至{r.taper_end_month}）" if r.taper_end_month else ""), None, 110),
    Column("待审批", lambda r: r.pending or "", None, 60, CENTER),
    Column("来源", lambda r: r.source, None, 48, CENTER),
)


class RegisterPanel(Panel):
    panel_id = "recipients"
    title = "在保对象"
    area = "center"
    tab_with = "list"
    stretch = 5
    visible_by_default = False
    nav_entries = (NavEntry("recipients", "在保对象", "保障对象", 35),)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.model = WindowedTableModel(COLUMNS, lambda _key, _desc: register.RegisterListing(
            ctx.store, self.current_filter()), ctx.workers, parent=self)
        self.benefit = QComboBox()
        self.benefit.addItem(ALL, None)
        for code, name in b.BENEFITS.items():
            self.benefit.addItem(name, code)
        self.group = QComboBox()
        self.group.addItem(ALL, None)
        self.status = QComboBox()
        self.status.addItem("在保、暂停、渐退", None)
        for s in b.RecipientStatus:
            self.status.addItem(s.value, s.value)
        self.text = QLineEdit()
        self.text.setPlaceholderText("姓名、住址或身份证号")
        self.text.setClearButtonEnabled(True)
        self.view = QTableView()
        self.view.setObjectName("recipientTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(26)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        for i, col in enumerate(COLUMNS):
            self.view.setColumnWidth(i, col.width)
        self.totals_label = QLabel("—")
        self.totals_label.setObjectName("countLabel")
        self.totals_label.setWordWrap(True)
        self.review_button = QPushButton("复核/生存认证…")
        self.change_button = QPushButton("提出变更…")
        self.event_button = QPushButton("登记死亡/迁出…")
        self.roll_button = QPushButton("打印花名册")
        self.notice_button = QPushButton("打印公布")
        top = QHBoxLayout()
        top.setContentsMargins(8, 8, 8, 4)
        for label, widget in (("类别", self.benefit), ("组", self.group), ("状态", self.status)):
            top.addWidget(QLabel(label))
            top.addWidget(widget)
        top.addWidget(self.text, 1)
        actions = QHBoxLayout()
        actions.setContentsMargins(8, 2, 8, 6)
        actions.addWidget(self.totals_label, 1)
        for button in (self.review_button, self.change_button, self.event_button, self.roll_button, self.notice_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        for combo in (self.benefit, self.group, self.status):
            combo.currentIndexChanged.connect(self.reload)
        self.text.textChanged.connect(self.reload)
        self.review_button.clicked.connect(self.review_selected)
        self.change_button.clicked.connect(self.change_selected)
        self.event_button.clicked.connect(self.life_event_selected)
        self.roll_button.clicked.connect(lambda: self.print_list(notice=False))
        self.notice_button.clicked.connect(lambda: self.print_list(notice=True))
        ctx.hub.record_saved.connect(self._record_saved)
        self._started = False

    def start(self) -> None:
        self._started = True
        for group in register.groups(self.ctx.store):
            self.group.addItem(f"{group}组", group)
        self.reload()

    def show_entry(self, key: str) -> None:
        self.bring_to_front()

    def current_filter(self) -> Any:
        return register.RegisterFilter(self.benefit.currentData(), self.group.currentData(), self.status.currentData(),
                                       self.text.text())

    def reload(self, *_args: Any) -> None:
        if not self._started:
            return
        chosen = self.selected()
        self.model.reload()
        if chosen is not None:  # keep the clerk's row selected after a save
            self.model.row_object(min(self.view.verticalScrollBar().value(), max(0, self.model.rowCount() - 1)))
            row = self.model.find_row(chosen.id)
            if row >= 0:
                self.view.selectRow(row)
        from jydesk.ui.visits.jobs import run_in_worker

        self._totals_job = run_in_worker(self.ctx, register.totals, self.ctx.store, self.current_filter(),
                                         on_result=self._show_totals)

    def _show_totals(self, t: Any) -> None:
        """Totals are summed in a worker: the list paints first (COUNT + one page)."""
        if getattr(self, "_totals_job", None) is None or self.sender() is not self._totals_job.signals:
            return
        self._totals_job = None
        lines = [f"本月发放：{t.persons} 人，{t.households} 户，月金额 {t.amount:.2f} 元"]
        per: dict[str, list[int | Any]] = {}
        for (benefit, _group), (n, hh, money) in t.by.items():
            acc = per.setdefault(benefit, [0, 0, 0])
            acc[0] += n
            acc[1] += hh
            acc[2] += money
        if per:
            lines.append("　".join(f"{b.BENEFITS.get(k, k)} {n}人/{hh}户/{m:.2f}元" for k, (n, hh, m) in per.items()))
        self.totals_label.setText("\n".join(lines))
        self.totals_label.setToolTip("\n".join(  # per benefit and 组
            f"{b.BENEFITS.get(k, k)}　{f'{g}组' if g else '未分组'}：{n}人，{hh}户，{m:.2f}元"
            for (k, g), (n, hh, m) in t.by.items()))

    def _record_saved(self, entity: str, _rid: str) -> None:
        if entity in ("recipient", "benefit_change", "life_event", "review", "household", "person"):
            self.reload()

    def selected(self) -> Any | None:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        return self.model.row_object(rows[0].row()) if rows else None

    def review_selected(self) -> None:
        from jydesk.ui.recipients.dialogs import ReviewDialog, run

        row = self.selected()
        if row is not None:
            from jydesk.store.recipients.reviews import review_kind

            run(ReviewDialog(self.ctx, row.id, review_kind(self.ctx.store, row.benefit),
                             f"{row.name}（{row.benefit_name}）", self))

    def change_selected(self) -> None:
        from jydesk.ui.recipients.dialogs import ChangeDialog, run

        row = self.selected()
        if row is not None:
            run(ChangeDialog(self.ctx, row.id, f"{row.name}（{row.benefit_name}）",
                             f"{row.amount:.2f}" if row.amount is not None else "—", self))

    def life_event_selected(self) -> None:
        from jydesk.ui.recipients.dialogs import LifeEventDialog, run

        row = self.selected()
        if row is not None:
            run(LifeEventDialog(self.ctx, row.person_id, row.name, self))

    def print_list(self, *, notice: bool) -> None:
        """This month's 花名册 (the chosen benefit) or 公布, rendered in a worker, then previewed."""
        from datetime import date

        from jydesk.ui.visits.jobs import run_in_worker

        month = b.month_of(date.today())
        self._print_job = run_in_worker(self.ctx, render_list, self.ctx.store, month,
                                        None if notice else self.benefit.currentData(), notice,
                                        on_result=self._rendered, on_error=self._print_failed)

    def _rendered(self, result: tuple[bytes, str, int]) -> None:
        from jydesk.ui.visits.printouts import PdfPreviewDialog

        pdf, title, count = result
        self.preview = PdfPreviewDialog(self.ctx, pdf, title, count, self)
        self.preview.open()

    def _print_failed(self, exc: BaseException) -> None:
        self.totals_label.setText(f"无法生成打印文件：{exc}")


def render_list(store: Any, month: str, benefit: str | None, notice: bool) -> tuple[bytes, str, int]:
    from jydesk.printing.recipients import render_notice, render_roll
    from jydesk.store.recipients.roll import notice_rows, paid_rows

    village = store.village()
    name = village.name if village else ""
    if notice:
        rows = notice_rows(store, month)
        return render_notice(rows, month, village_name=name), f"{month} 社会救助对象公布", len(rows)
    rows = paid_rows(store, month, benefit)
    return render_roll(rows, month, village_name=name, benefit=benefit), f"{month} 在保对象花名册", len(rows)
