"""The app's sync engine: a timer-driven background sync in a worker, and 立即同步 on demand.

One :class:`SyncService` per window (see :func:`service_for`). It runs
``sync.client.SyncClient.sync`` in ``ctx.workers`` — never in the GUI thread — at most one run
at a time, every :data:`INTERVAL_MS` while the server answers (after a failed run it keeps
trying at the same pace, quietly), and whenever the clerk asks. It tells the rest of the
window through its own signals and the hub: the status-bar state (离线 / 同步中 / 已同步),
``outbox_changed`` after every run, and ``record_saved(entity, "")`` when pulled records
changed a list.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from jydesk.ui.shell.context import AppContext

log = logging.getLogger(__name__)
INTERVAL_MS = 5 * 60 * 1000
OFFLINE = "离线"
SYNCING = "同步中"
SYNCED = "已同步"
NOT_ENROLLED = "未登记"
STAGES = {"push": "上传修改", "attachments": "上传附件", "pull": "下载更新", "downloads": "下载附件"}
STEPS = len(STAGES) * 1000  # the progress range: 1000 per stage
LIST_ENTITIES = ("household", "person", "case", "visit")


def run_sync(store: Any, attempts: int, progress: Any = None) -> Any:
    """The worker's job: one sync run (plain Python, no widgets)."""
    from sync.client import RetryPolicy, SyncClient

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(list(STAGES).index(stage) * 1000 + (done * 1000 // max(total, 1)), STEPS)

    with SyncClient(store, retry=RetryPolicy(attempts=attempts), progress=report) as client:
        return client.sync()


class SyncService(QObject):
    """Background and on-demand sync for one window (see the module docstring)."""

    state_changed = Signal(str)  # 离线 / 同步中 / 已同步 / 未登记
    progress = Signal(int, int)  # done, total (0..STEPS across the STAGES)
    finished = Signal(object)  # SyncSummary
    failed = Signal(str)  # Chinese reason
    log_changed = Signal()

    def __init__(self, ctx: AppContext, *, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent or ctx.hub)
        self.ctx = ctx
        self.running = False
        self.state = NOT_ENROLLED if not self.enrolled() else OFFLINE
        self.last_error: str | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.sync_now(background=True))
        self.first_run = QTimer(self)
        self.first_run.setSingleShot(True)
        self.first_run.timeout.connect(lambda: self.sync_now(background=True))

    def enrolled(self) -> bool:
        """Whether the installation has device credentials (read without importing the client:
        the window opens faster)."""
        from sqlalchemy import func, select

        from jydesk.store.models import SyncState

        keys = ("device_id", "device_secret", "server_url")
        with self.ctx.store.read() as s:
            found = s.execute(select(func.count()).select_from(SyncState).where(
                SyncState.key.in_(keys), SyncState.value.is_not(None), SyncState.value != "")).scalar_one()
        return found == len(keys)

    def start(self, *, first_delay_ms: int = 3000) -> None:
        """Begin automatic syncing (a first run shortly after start-up, then every interval)."""
        self._set_state(self.state)
        if self.enrolled():
            self.timer.start()
            self.first_run.start(first_delay_ms)

    def stop(self) -> None:
        self.timer.stop()
        self.first_run.stop()

    def _set_state(self, text: str) -> None:
        self.state = text
        self.state_changed.emit(text)
        self.ctx.hub.sync_state_changed.emit(text)

    def sync_now(self, *, background: bool = False) -> bool:
        """Start a run unless one is going; False if none was started."""
        if self.running:
            return False
        if not self.enrolled():
            self._set_state(NOT_ENROLLED)
            if not background:
                self.failed.emit("本机尚未登记到市级平台，请先点“登记本机…”")
            return False
        if not self.timer.isActive():
            self.timer.start()
        self.running = True
        self._set_state(SYNCING)
        self.progress.emit(0, STEPS)
        job = self.ctx.workers.submit(run_sync, self.ctx.store, 2 if background else 4)
        job.signals.progress.connect(self.progress.emit)
        job.signals.result.connect(self._done)
        job.signals.error.connect(self._error)
        return True

    def _done(self, summary: Any) -> None:
        self.running = False
        self.last_error = None
        self._set_state(SYNCED)
        self.progress.emit(STEPS, STEPS)
        self.finished.emit(summary)
        self._after_run()
        if summary.pulled["created"] or summary.pulled["updated"]:
            for entity in LIST_ENTITIES:
                self.ctx.hub.record_saved.emit(entity, "")
        self.ctx.hub.status_message.emit(f"同步完成：{summary.text()}")

    def _error(self, exc: BaseException) -> None:
        from sync.client import AuthError, NotEnrolledError, SyncError

        self.running = False
        if isinstance(exc, NotEnrolledError):
            self._set_state(NOT_ENROLLED)
        else:
            self._set_state(OFFLINE)
        if isinstance(exc, AuthError):
            self.timer.stop()  # the server refuses this device: retrying changes nothing
        text = exc.message if isinstance(exc, SyncError) else f"同步出错：{exc}"
        self.last_error = text
        self.failed.emit(text)
        self._after_run()

    def _after_run(self) -> None:
        self.ctx.hub.outbox_changed.emit()
        self.log_changed.emit()


def service_for(ctx: AppContext) -> SyncService:
    """The window's one SyncService (made on first use, owned by the signal hub)."""
    service = ctx.hub.findChild(SyncService)
    if service is None:
        service = SyncService(ctx)
    return service
