"""After start: the audit log's hash chain is verified in a worker; a broken link (the data file
was edited outside the app) is shown to the clerk with the entry where it breaks."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from jydesk.store.audit.chain import ChainReport, verify

if TYPE_CHECKING:
    from jydesk.store.database import Store
    from jydesk.ui.shell.workers import WorkerPool

log = logging.getLogger(__name__)


def check_chain(store: Store) -> ChainReport:
    with store.sql() as db:
        return verify(db)


def start_chain_check(window: QWidget, store: Store, workers: WorkerPool) -> None:
    job = workers.submit(check_chain, store)
    job.signals.result.connect(lambda report: _checked(window, report))
    job.signals.error.connect(lambda exc: log.warning("操作日志检查未能完成：%s", exc))


def _checked(window: QWidget, report: ChainReport) -> None:
    if report.ok:
        log.info(report.message)
        return
    log.error(report.message)
    box = QMessageBox(QMessageBox.Icon.Warning, "操作日志", f"{report.message}。\n\n请联系管理员：可在“工具 → 操作日志”中"
                      "查看该处前后的记录，并用“文件 → 恢复…”从此前的备份恢复。", QMessageBox.StandardButton.Ok, window)
    box.setObjectName("auditChainBroken")
    box.open()
