"""Dialogs of the case work: 新建申请 (type + applicant from the registry) and 节假日设置."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain.errors import ValidationError
from jydesk.domain.idnumber import age_on, mask
from jydesk.store import cases as svc
from jydesk.store.listings import PersonRow, search_persons
from jydesk.ui.shell.context import AppContext

SEARCH_DELAY_MS = 200


class NewCaseDialog(QDialog):
    """Choose the form type and the applicant (searched in the registry)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("新建申请")
        self.resize(720, 480)
        self.rows: list[PersonRow] = []
        self.form_combo = QComboBox()
        for defn in svc.case_forms():
            self.form_combo.addItem(defn.title, defn.code)
        self.search = QLineEdit()
        self.search.setPlaceholderText("输入申请人姓名、拼音首字母、身份证号后几位或电话")
        self.results = QTableWidget(0, 5)
        self.results.setHorizontalHeaderLabels(["姓名", "性别", "年龄", "身份证号", "住址"])
        self.results.horizontalHeader().setStretchLastSection(True)
        self.results.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.note = QLabel("申请人须已在户籍中登记；家庭成员、住址等将从户籍信息自动带入。")
        self.note.setObjectName("dialogSubtitle")
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("新建")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        form = QFormLayout()
        form.addRow("申请类型", self.form_combo)
        form.addRow("查找申请人", self.search)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.run_search)
        self.search.textEdited.connect(lambda _t: self.timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.results.itemSelectionChanged.connect(self._update_ok)
        self.results.itemDoubleClicked.connect(lambda _i: self.accept())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._update_ok()

    def run_search(self) -> None:
        self.timer.stop()
        query = self.search.text().strip()
        rows: list[PersonRow] = []
        if query:
            with self.ctx.store.sql() as db:
                rows = search_persons(db, query, limit=100)
        self.rows = rows
        self.results.setRowCount(len(rows))
        today = date.today()
        for r, p in enumerate(rows):
            cells = (p.name, p.sex or "", str(age_on(p.birth_date, today)) if p.birth_date else "",
                     mask(p.id_number), (f"{p.group_no}组 " if p.group_no else "") + (p.address or ""))
            for c, text in enumerate(cells):
                self.results.setItem(r, c, QTableWidgetItem(text))
        if len(rows) == 1:
            self.results.selectRow(0)
        self.note.setText(f"找到 {len(rows)} 人" if query else "申请人须已在户籍中登记。")
        self._update_ok()

    def selected(self) -> PersonRow | None:
        rows = self.results.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def form_code(self) -> str:
        return str(self.form_combo.currentData() or "")

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.selected() is not None)

    def accept(self) -> None:
        if self.selected() is None:
            return
        super().accept()


class HolidayDialog(QDialog):
    """The holiday table used for working-day deadlines; the clerk adds days the State Council announces."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("节假日设置")
        self.resize(560, 520)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["日期", "名称", "类型"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setDate(QDate.currentDate())
        self.name = QLineEdit()
        self.name.setPlaceholderText("如 国庆节")
        self.name.setMaxLength(30)
        self.kind = QComboBox()
        self.kind.addItem("放假", False)
        self.kind.addItem("调休上班", True)
        self.add_button = QPushButton("添加/修改")
        self.remove_button = QPushButton("删除所选")
        self.seed_button = QPushButton("导入国家公布的安排")
        self.seed_button.setToolTip("导入随本程序提供的国务院办公厅节假日安排（已删除的日期不会再导入）")
        self.note = QLabel("办理时限按工作日计算：周末不计，下表中的放假日不计，调休上班日计入。")
        self.note.setObjectName("dialogSubtitle")
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("年份"))
        top.addWidget(self.year)
        top.addStretch(1)
        top.addWidget(self.seed_button)
        add = QHBoxLayout()
        for w in (self.day, self.name, self.kind, self.add_button):
            add.addWidget(w)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(add)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(close)
        close.rejected.connect(self.reject)
        self.year.valueChanged.connect(lambda _y: self.reload())
        self.add_button.clicked.connect(self.add_day)
        self.remove_button.clicked.connect(self.remove_selected)
        self.seed_button.clicked.connect(self.seed)
        self.changed = False
        self.reload()

    def reload(self) -> None:
        days = svc.list_holidays(self.ctx.store, self.year.value())
        self.table.setRowCount(len(days))
        for r, d in enumerate(days):
            for c, text in enumerate((f"{d.day:%Y-%m-%d}", d.name, svc.holiday_type(d))):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, d.day.isoformat())
                self.table.setItem(r, c, item)

    def add_day(self) -> None:
        qd = self.day.date()
        day = date(qd.year(), qd.month(), qd.day())
        try:
            svc.set_holiday(self.ctx.store, self.ctx.actor, day, self.name.text(), bool(self.kind.currentData()))
        except ValidationError as exc:
            QMessageBox.warning(self, "节假日设置", exc.message)
            return
        self.changed = True
        self.year.setValue(day.year)
        self.reload()

    def remove_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        for row in rows:
            item = self.table.item(row, 0)
            if item is not None:
                svc.remove_holiday(self.ctx.store, self.ctx.actor, date.fromisoformat(item.data(Qt.ItemDataRole.UserRole)))
                self.changed = True
        self.reload()

    def seed(self) -> None:
        added = svc.seed_holidays(self.ctx.store, self.ctx.actor)
        self.changed = self.changed or added > 0
        QMessageBox.information(self, "节假日设置", f"已导入 {added} 天" if added else "没有需要导入的新安排")
        self.reload()
