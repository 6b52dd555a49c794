"""同步: the state of the link to the city server, 立即同步, enrollment, the USB bundle, the sync
log in plain Chinese, and the changes the server sent back (被退回) with their reasons."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.panel_base import NavEntry, Panel
from jydesk.ui.sync.rejected_dialog import EditRejectedDialog
from jydesk.ui.sync.service import STAGES, SYNCING, service_for
from jydesk.ui.sync.snapshot import read_snapshot

INITIAL_REFRESH_MS = 1000
LEVEL_COLOURS = {"error": "#b3261e", "warning": "#8a5a00"}


class SyncPanel(Panel):
    refreshed = Signal()  # the figures, log and rejected list on screen are fresh

    panel_id = "sync"
    title = "同步"
    area = "right"
    tab_with = "detail"
    visible_by_default = True
    nav_entries = (NavEntry("sync", "同步状态", "同步", 90),)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.service = service_for(ctx)
        self.state_label = QLabel()
        self.state_label.setObjectName("syncPanelState")
        self.state_label.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.last_label = QLabel()
        self.waiting_label = QLabel()
        self.server_label = QLabel()
        self.server_label.setWordWrap(True)
        self.sync_button = QPushButton("立即同步")
        self.sync_button.setObjectName("syncNow")
        self.sync_button.setToolTip("马上与市级平台同步一次（F5）")
        self.sync_button.setShortcut("F5")
        self.enroll_button = QPushButton("登记本机…")
        self.export_button = QPushButton("导出同步包…")
        self.export_button.setToolTip("没有网络时，把待同步的修改导出为文件，用U盘交市民政局导入")
        self.progress = QProgressBar()
        self.progress.setRange(0, 3000)
        self.progress.setTextVisible(False)
        self.stage_label = QLabel()
        self.log = QListWidget()
        self.log.setObjectName("syncLog")
        self.log.setWordWrap(True)
        self.rejected = QTableWidget(0, 3)
        self.rejected.setObjectName("rejectedTable")
        self.rejected.setHorizontalHeaderLabels(["记录", "退回原因", "退回时间"])
        self.rejected.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rejected.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rejected.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejected.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.rejected.verticalHeader().hide()
        self.edit_button = QPushButton("修改后重发…")
        self.resend_button = QPushButton("重发")
        self.discard_button = QPushButton("放弃此修改")
        self._rejected_rows: list[Any] = []
        self._refreshing = False
        self._refresh_again = False

        top = QHBoxLayout()
        top.addWidget(self.state_label)
        top.addStretch(1)
        top.addWidget(self.sync_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enroll_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        rejected_box = QWidget()
        rejected_layout = QVBoxLayout(rejected_box)
        rejected_layout.setContentsMargins(0, 0, 0, 0)
        rejected_layout.addWidget(self.rejected)
        row = QHBoxLayout()
        row.addWidget(self.edit_button)
        row.addWidget(self.resend_button)
        row.addWidget(self.discard_button)
        row.addStretch(1)
        rejected_layout.addLayout(row)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.log, "同步日志")
        self.tabs.addTab(rejected_box, "被退回")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.last_label)
        layout.addWidget(self.waiting_label)
        layout.addWidget(self.server_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage_label)
        layout.addLayout(buttons)
        layout.addWidget(self.tabs, 1)

        self.sync_button.clicked.connect(self.sync_now)
        self.enroll_button.clicked.connect(self.open_enroll)
        self.export_button.clicked.connect(self.export_bundle)
        self.edit_button.clicked.connect(self.edit_rejected)
        self.resend_button.clicked.connect(lambda: self.resend_rejected())
        self.discard_button.clicked.connect(self.discard_rejected)
        self.service.state_changed.connect(self._state)
        self.service.progress.connect(self._progress)
        self.service.finished.connect(lambda _s: self.refresh())
        self.service.failed.connect(self._failed)
        self.service.log_changed.connect(self.refresh)
        ctx.hub.outbox_changed.connect(self.refresh_counts)
        self._state(self.service.state)
        # First figures once the window is up: counting a big outbox must not delay its first paint.
        QTimer.singleShot(INITIAL_REFRESH_MS, self, self.refresh)
        self.service.start()

    # ---- display ----

    def refresh(self) -> None:
        """Re-read counts, log and rejected changes in a worker (a big outbox takes a while to
        count), then show them; a refresh asked for meanwhile runs after this one."""
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        job = self.ctx.workers.submit(read_snapshot, self.ctx.store)
        job.signals.result.connect(self._show)
        job.signals.error.connect(self._refresh_failed)

    def refresh_counts(self) -> None:
        self.refresh()

    def _refresh_failed(self, _exc: BaseException) -> None:
        self._refreshed()

    def _refreshed(self) -> None:
        self._refreshing = False
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()

    def _show(self, snap: dict[str, Any]) -> None:
        from jydesk.store.sync_status import Badge
        from sync.client import state

        values, n = snap["state"], snap["counts"]
        last = state.parse_time(values.get(state.LAST_SYNC_AT))
        self.last_label.setText("上次成功同步：" + (last.astimezone().strftime("%Y-%m-%d %H:%M") if last else "尚未同步"))
        parts = [f"待同步 {n[Badge.WAITING]:,} 条记录"]
        if n[Badge.REJECTED]:
            parts.append(f"被退回 {n[Badge.REJECTED]} 条")
        if n[Badge.CONFLICT]:
            parts.append(f"冲突 {n[Badge.CONFLICT]} 处")
        self.waiting_label.setText("，".join(parts))
        url = values.get(state.SERVER_URL)
        self.server_label.setText(f"服务器：{url}" if url and values.get(state.DEVICE_ID) else "本机尚未登记到市级平台")
        self.export_button.setEnabled(bool(values.get(state.DEVICE_ID)))
        self.enroll_button.setText("重新登记本机…" if values.get(state.DEVICE_ID) else "登记本机…")
        self.log.clear()
        for at, level, message in snap["log"]:
            item = QListWidgetItem(f"{at}  {message}")
            if level in LEVEL_COLOURS:
                item.setForeground(QBrush(QColor(LEVEL_COLOURS[level])))
            self.log.addItem(item)
        self._fill_rejected(snap["rejected"])
        self.refreshed.emit()
        self._refreshed()

    def _fill_rejected(self, rows: list[Any]) -> None:
        from sync.client.labels import entity_label, field_label

        self._rejected_rows = rows
        self.rejected.setRowCount(len(self._rejected_rows))
        for i, change in enumerate(self._rejected_rows):
            reasons = "；".join((f"{field_label(e['field'])}：" if e.get("field") else "") + e.get("message", "")
                               for e in change.errors)
            name = change.fields.get("name") or change.fields.get("address") or change.record_id[-8:]
            for col, text in enumerate((f"{entity_label(change.entity)} {name}", reasons, change.rejected_at[:16])):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.rejected.setItem(i, col, item)
        has = bool(self._rejected_rows)
        for button in (self.edit_button, self.resend_button, self.discard_button):
            button.setEnabled(has)
        self.tabs.setTabText(1, f"被退回（{len(self._rejected_rows)}）" if has else "被退回")
        if has:
            self.rejected.selectRow(0)

    def _state(self, text: str) -> None:
        self.state_label.setText(text)
        self.sync_button.setEnabled(text != SYNCING)
        if text != SYNCING:
            self.stage_label.clear()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        stage = list(STAGES.values())[min(done // 1000, len(STAGES) - 1)]
        if self.service.running:
            self.stage_label.setText(f"正在{stage}……")

    def _failed(self, text: str) -> None:
        self.stage_label.setText(text)
        self.refresh()

    # ---- commands ----

    def sync_now(self) -> None:
        self.service.sync_now()

    def open_enroll(self) -> None:
        from jydesk.ui.sync.enroll_dialog import EnrollDialog

        dialog = EnrollDialog(self.ctx, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.service.start(first_delay_ms=0)

    def export_bundle(self) -> None:
        from sync.bundle import SUFFIX

        path, _ = QFileDialog.getSaveFileName(self, "导出同步包", f"同步包{SUFFIX}", f"同步包 (*{SUFFIX})")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        from sync.client import export_bundle

        self.export_button.setEnabled(False)
        job = self.ctx.workers.submit(export_bundle, self.ctx.store, path)
        job.signals.result.connect(self._exported)
        job.signals.error.connect(self._export_failed)

    def _exported(self, result: Any) -> None:
        self.export_button.setEnabled(True)
        self.stage_label.setText(f"已导出同步包：{result.batches} 批，{result.changes} 条修改")
        self.ctx.hub.outbox_changed.emit()
        self.refresh()

    def _export_failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.stage_label.setText(getattr(exc, "message", None) or f"导出失败：{exc}")

    # ---- rejected changes ----

    def _selected(self) -> Any | None:
        row = self.rejected.currentRow()
        return self._rejected_rows[row] if 0 <= row < len(self._rejected_rows) else None

    def _after_change(self, change: Any) -> None:
        self.ctx.hub.record_saved.emit(change.entity, change.record_id)
        self.ctx.hub.outbox_changed.emit()
        self.refresh()

    def resend_rejected(self, edits: dict[str, Any] | None = None) -> bool:
        from jydesk.domain.errors import ValidationError
        from jydesk.store import faults
        from sync.client.resolve import resend

        change = self._selected()
        if change is None:
            return False
        try:
            with faults.saving():
                resend(self.ctx.store, change.outbox_id, self.ctx.actor, edits)
        except ValidationError as exc:
            QMessageBox.warning(self, "不能重发", exc.message)
            return False
        self._after_change(change)
        self.stage_label.setText("已放回待同步，下次同步时发送")
        return True

    def edit_rejected(self) -> None:
        change = self._selected()
        if change is None:
            return
        dialog = EditRejectedDialog(change, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                edits = dialog.values()
            except ValueError:
                QMessageBox.warning(self, "填写有误", "数字项只能填写数字")
                continue
            if self.resend_rejected(edits):
                return

    def discard_rejected(self) -> None:
        from jydesk.domain.errors import ValidationError
        from jydesk.store import faults
        from jydesk.ui.widgets import ask
        from sync.client.resolve import discard

        change = self._selected()
        if change is None:
            return
        if not ask.confirm(self, "放弃此修改", "放弃后这条修改不再上传；新登记的记录会从本机删除，"
                                              "修改过的记录在下次同步时恢复为市级平台上的内容。确定放弃吗？"):
            return
        try:
            with faults.saving():
                discard(self.ctx.store, change.outbox_id, self.ctx.actor)
        except ValidationError as exc:
            QMessageBox.warning(self, "不能放弃", exc.message)
            return
        self._after_change(change)

    def show_entry(self, key: str) -> None:
        self.bring_to_front()
