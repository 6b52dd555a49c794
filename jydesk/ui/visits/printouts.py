"""Printing for home visits: the week's roster and visit sheets (blank, prefilled, filled) in batches.

Rendering runs in a worker with a progress dialog; the PDF is then shown in a preview
window with 打印… (system print dialog, every page at the printer's resolution) and
另存为PDF…. Every print and export is written to the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain.visits import IsoWeek
from jydesk.store import visits as visit_service
from jydesk.store.cases import record_print
from jydesk.store.database import Store
from jydesk.ui.printing.support import PdfError, load_pdf, print_pdf
from jydesk.ui.shell.context import AppContext
from jydesk.ui.visits.jobs import run_in_worker

log = logging.getLogger(__name__)


class Kind:
    ROSTER = "roster"
    PREFILLED = "prefilled"
    FILLED = "filled"
    BLANK = "blank"


TITLES = {Kind.ROSTER: "本周探访名单", Kind.PREFILLED: "探访记录表（预填被探访人）",
          Kind.FILLED: "已录入的探访记录表", Kind.BLANK: "空白探访记录表"}


@dataclass(frozen=True, slots=True)
class VisitPrint:
    """What to print for which week (``copies``: blank sheets only)."""

    kind: str
    week: IsoWeek
    clerk: str = ""
    copies: int = 1

    @property
    def title(self) -> str:
        return f"{TITLES[self.kind]} {self.week.label}" if self.kind != Kind.BLANK else f"{TITLES[self.kind]} {self.copies}份"


def render(store: Store, job: VisitPrint, progress: Callable[[int, int], None] | None = None) -> tuple[bytes, int]:
    """PDF bytes and the number of records in it (runs in a worker thread)."""
    from jydesk.printing import render_batch, render_roster

    if job.kind == Kind.ROSTER:
        with store.read() as s:
            rows = visit_service.due_roster(s, job.week)
            village = visit_service.village_name(s)
        pdf = render_roster(str(job.week), rows, village_name=village, clerk=job.clerk)
        if progress is not None:
            progress(1, 1)
        return pdf, len(rows)
    if job.kind == Kind.PREFILLED:
        items = visit_service.prefilled_sheets(store, job.week, clerk=job.clerk)
    elif job.kind == Kind.FILLED:
        items = visit_service.filled_sheets(store, job.week)
    else:
        items = visit_service.blank_sheets(job.copies)
    if not items:
        raise LookupError("本周没有需要打印的探访记录表" if job.kind != Kind.BLANK else "份数不正确")
    return render_batch(items, progress), len(items)


def start_print(ctx: AppContext, parent: QWidget, job: VisitPrint,
                on_ready: Callable[[PdfPreviewDialog], None] | None = None) -> Any:
    """Render ``job`` in a worker with a progress dialog, then open the preview (handed to
    ``on_ready``, which should keep it referenced); returns the worker job."""
    dialog = QProgressDialog(f"正在生成：{job.title}", "取消", 0, 0, parent)
    dialog.setWindowTitle("打印")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)

    def on_progress(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)
        dialog.setLabelText(f"正在生成：{job.title}（{done}/{total}）")

    def on_result(result: tuple[bytes, int]) -> None:
        dialog.reset()
        if worker.cancelled:
            return
        pdf, count = result
        try:
            preview = PdfPreviewDialog(ctx, pdf, job.title, count, parent)
        except PdfError as exc:
            QMessageBox.warning(parent, "打印", str(exc))
            return
        if on_ready is not None:
            on_ready(preview)
        preview.open()

    def on_error(exc: BaseException) -> None:
        dialog.reset()
        message = str(exc) if isinstance(exc, LookupError | ValueError) else f"无法生成打印文件：{exc}"
        QMessageBox.warning(parent, "打印", message.strip("'\""))

    worker = run_in_worker(ctx, render, ctx.store, job, on_result=on_result, on_error=on_error,
                           on_progress=on_progress)
    dialog.canceled.connect(worker.cancel)
    return worker


class PdfPreviewDialog(QDialog):
    """A rendered PDF with 打印… and 另存为PDF…."""

    def __init__(self, ctx: AppContext, pdf: bytes, title: str, records: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.pdf, self.title, self.records = ctx, pdf, title, records
        self.setObjectName("visitPrintPreview")
        self.setWindowTitle(f"打印预览 — {title}")
        self.resize(1000, 800)
        self.document, self._buffer = load_pdf(pdf, self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.heading = QLabel(f"{title}（{records}份/人，共{self.document.pageCount()}页）")
        self.heading.setObjectName("editorHeading")
        self.print_button = QPushButton("打印…")
        self.print_button.setObjectName("primaryButton")
        self.save_button = QPushButton("另存为PDF…")
        close = QPushButton("关闭")
        bar = QHBoxLayout()
        bar.addWidget(self.heading, 1)
        for button in (self.save_button, self.print_button, close):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.print_button.clicked.connect(self.print_with_dialog)
        self.save_button.clicked.connect(self.save_as_pdf)
        close.clicked.connect(self.accept)

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    def _audit(self, target: str) -> None:
        try:
            record_print(self.ctx.store, self.ctx.actor, self.title, pages=self.page_count, target=target)
        except Exception:
            log.exception("打印审计记录失败")

    def print_with_dialog(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            pages = print_pdf(self.document, printer)
        except PdfError as exc:
            QMessageBox.warning(self, "打印", str(exc))
            return
        self._audit(f"打印机 {printer.printerName() or printer.outputFileName()}（{pages}页）")
        self.ctx.hub.status_message.emit(f"已发送打印：{self.title}")

    def save_as_pdf(self, path: str | Path | None = None) -> Path | None:
        if not path:
            chosen, _ = QFileDialog.getSaveFileName(self, "另存为PDF", str(Path.home() / f"{self.title}.pdf"),
                                                    "PDF 文件 (*.pdf)")
            if not chosen:
                return None
            path = chosen
        target = Path(path)
        try:
            target.write_bytes(self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, "另存为PDF", f"无法写入 {target}：{exc.strerror or exc}")
            return None
        self._audit(str(target))
        return target
