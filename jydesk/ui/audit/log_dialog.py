"""操作日志 (工具 menu, administrators): the whole audit log filtered by clerk, date range, kind and
record, newest first, in the registry lists' windowed model (a year of entries opens at once);
导出 Excel (itself audited) and 检查完整性 (the hash chain) run off the GUI thread."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from jydesk.store.actor import Actor
from jydesk.store.audit.log import KINDS, AuditListing, AuditRow, LogFilter, clerks
from jydesk.store.database import Store
from jydesk.ui.registry.windowed_model import Column, WindowedTableModel
from jydesk.ui.shell.workers import WorkerPool

TITLE = "操作日志"
COLUMNS = (
    Column("时间", lambda r: r.at.strftime("%Y-%m-%d %H:%M:%S"), width=150),
    Column("操作人", lambda r: r.who, width=140),
    Column("类型", lambda r: r.kind, width=90),
    Column("操作", lambda r: r.action_name, width=100),
    Column("记录", lambda r: r.entity_name, width=80, tooltip=lambda r: r.record_id),
    Column("说明", lambda r: _detail(r), width=420, tooltip=lambda r: _detail(r)),
)


def _detail(row: AuditRow) -> str:
    """The detail and the changed fields (身份证号 masked)."""
    return "；".join(part for part in (row.detail, row.summary()) if part)


def _date(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


class AuditLogDialog(QDialog):
    def __init__(self, store: Store, actor: Actor, workers: WorkerPool | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor, self.workers = store, actor, workers
        self.setWindowTitle(TITLE)
        self.resize(1100, 640)
        self.clerk = QComboBox()
        self.clerk.addItem("全部操作人", None)
        with store.sql() as db:
            for actor_id, name in clerks(db):
                self.clerk.addItem(name, actor_id)
        self.kind = QComboBox()
        self.kind.addItem("全部类型", None)
        for kind in KINDS:
            self.kind.addItem(kind, kind)
        self.by_date = QCheckBox("日期")
        today = QDate.currentDate()
        self.since, self.until = QDateEdit(today.addMonths(-1)), QDateEdit(today)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.record = QLineEdit()
        self.record.setPlaceholderText("记录编号（可选）")
        self.record.setMaxLength(36)
        self.search_button = QPushButton("查询")
        self.search_button.setObjectName("primaryButton")
        self.export_button = QPushButton("导出 Excel…")
        self.verify_button = QPushButton("检查完整性")
        self.verify_button.setToolTip("检查操作日志的哈希链：数据文件在程序之外被改动过时，指出第一处断开的记录")
        self.status = QLabel()
        self.model = WindowedTableModel(COLUMNS, workers=workers, parent=self)
        self.model.count_settled.connect(lambda n: self._show_count())
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(24)
        for i, column in enumerate(COLUMNS):
            self.view.setColumnWidth(i, column.width)
        self.view.horizontalHeader().setStretchLastSection(True)

        filters = QHBoxLayout()
        for widget in (self.clerk, self.kind, self.by_date, self.since, QLabel("至"), self.until, self.record,
                       self.search_button):
            filters.addWidget(widget)
        filters.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.verify_button)
        bottom.addWidget(self.export_button)
        close = QPushButton("关闭")
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)

        self.by_date.toggled.connect(lambda on: (self.since.setEnabled(on), self.until.setEnabled(on)))
        self.search_button.clicked.connect(self.search)
        self.record.returnPressed.connect(self.search)
        self.view.doubleClicked.connect(lambda index: self.open_history(index.row()))
        self.export_button.clicked.connect(lambda: self.export())
        self.verify_button.clicked.connect(self.verify)
        close.clicked.connect(self.accept)
        self.search()

    def done(self, result: int) -> None:
        self.model.detach()  # the dialog (and its model) may be deleted before a worker answers
        super().done(result)

    def open_history(self, row: int) -> QDialog | None:
        """Double-click: the 修改记录 of the entry's record."""
        from jydesk.ui.audit.history_dialog import HistoryDialog

        entry = self.model.row_object(row)
        if entry is None or not entry.record_id or not entry.entity:
            return None
        dialog = HistoryDialog(self.store, self.actor, entry.entity, entry.record_id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def current_filter(self) -> LogFilter:
        since = until = None
        if self.by_date.isChecked():
            since, until = sorted((_date(self.since), _date(self.until)))
        return LogFilter(actor_id=self.clerk.currentData(), since=since, until=until, kind=self.kind.currentData(),
                         record_id=self.record.text().strip() or None)

    def search(self) -> None:
        self.model.set_listing(AuditListing(self.store, self.current_filter()))
        self._show_count()

    def _show_count(self) -> None:
        count = self.model.rowCount()
        self.status.setText(f"共 {count:,} 条" if self.model.exact else f"至少 {count:,} 条（正在统计…）")

    def export(self, path: Path | None = None) -> int | None:
        """Export what the filter shows to .xlsx (asks where unless ``path``); audited."""
        from jydesk.store.audit.export import export_xlsx
        from jydesk.ui.backup.progress import run_with_progress

        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "导出操作日志", f"操作日志-{date.today():%Y%m%d}.xlsx",
                                                    "Excel 工作簿 (*.xlsx)")
            if not chosen:
                return None
            path = Path(chosen if chosen.lower().endswith(".xlsx") else chosen + ".xlsx")
        try:
            count = run_with_progress(self, "正在导出操作日志……", export_xlsx, self.store, self.actor,
                                      self.current_filter(), path)
        except OSError as exc:
            QMessageBox.warning(self, TITLE, f"导出没有完成：无法写入 {path}（{exc.strerror or exc}）")
            return None
        self.status.setText(f"已导出 {count:,} 条到 {path}（本次导出已记入操作日志）")
        return count

    def verify(self) -> str:
        """Check the hash chain (in a thread, the dialog stays responsive); says what it found."""
        from jydesk.store.audit.chain import verify
        from jydesk.ui.backup.progress import run_with_progress

        def check() -> object:
            with self.store.sql() as db:
                return verify(db)

        report = run_with_progress(self, "正在检查操作日志……", check)
        message = report.message  # type: ignore[attr-defined]
        icon = QMessageBox.Icon.Information if report.ok else QMessageBox.Icon.Warning  # type: ignore[attr-defined]
        box = QMessageBox(icon, TITLE, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return message
