"""打印预览: the PDF of a form (or a batch) as it will print; zoom, pages, 打印, 另存为PDF, 空白表.

Panels ask for a print with ``print_requests(ctx).requested.emit(PrintRequest(...))`` and
``ctx.hub.navigate.emit(NAV_KEY)``. Rendering (store read + reportlab) runs in a worker with
a progress bar; printing goes through the system print dialog (QPrintDialog/QPrinter) with
every page rendered at the printer's resolution. Every print and PDF export is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
)

from jydesk.ui.printing.support import (
    PdfError,
    PrintRequest,
    load_pdf,
    new_printer,
    print_pdf,
    print_requests,
)
from jydesk.ui.shell.context import AppContext
from jydesk.ui.shell.lazy import lazy_module
from jydesk.ui.shell.panel_base import NavEntry, Panel

if TYPE_CHECKING:  # QtPdf, QtPdfWidgets and QtPrintSupport load when the panel is built
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter

    from jydesk.domain import forms
    from jydesk.store import cases as case_service
else:
    forms = lazy_module("jydesk.domain.forms")
    case_service = lazy_module("jydesk.store.cases")

log = logging.getLogger(__name__)

NAV_KEY = "print_preview"
ZOOM_STEPS = (0.5, 0.67, 0.75, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0)
FIT_WIDTH, FIT_PAGE = "适合宽度", "整页"


def render_request(store: Any, request: PrintRequest, progress: Callable[[int, int], None] | None = None,
                   ) -> tuple[bytes, int]:
    """PDF bytes for ``request`` and the number of copies its form asks for (runs in a worker)."""
    from jydesk.printing import render_batch, render_form  # reportlab: imported on first print, not at start

    if request.blank:
        defn = forms.get_definition(request.form_code or "")
        return render_form(defn, None, blank=True), defn.copies
    items = case_service.print_items(store, list(request.case_ids), companion=request.form_code)
    if not items:
        raise LookupError("所选申请已不存在，无法打印")
    copies = items[0][0].copies
    if len(items) == 1:
        defn, values, number = items[0]
        if progress is not None:
            progress(1, 1)
        return render_form(defn, values, number=number), copies
    return render_batch(items, progress), copies


class PrintPreviewPanel(Panel):
    panel_id = "print_preview"
    title = "打印预览"
    area = "right"
    tab_with = "detail"
    stretch = 5
    nav_entries = (NavEntry(NAV_KEY, "打印预览", "打印", 80),)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.request: PrintRequest | None = None
        self.pdf: bytes | None = None
        self.copies = 1
        self.document: QPdfDocument | None = None
        self._buffer: Any = None
        self._job: Any = None

        self.heading = QLabel("尚未选择要打印的内容")
        self.heading.setObjectName("panelHeading")
        self.heading.setWordWrap(True)

        from PySide6.QtPdfWidgets import QPdfView

        self.zoom_modes = QPdfView.ZoomMode
        self.view = QPdfView()
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.empty = QLabel("在案件列表或申请表中选择“打印预览”，或用“空白表”打印空白表格供入户填写。")
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)

        self.prev_button = QPushButton("上一页")
        self.next_button = QPushButton("下一页")
        self.page_box = QSpinBox()
        self.page_box.setMinimum(1)
        self.page_box.setKeyboardTracking(False)
        self.page_label = QLabel("/ 0 页")
        self.zoom_box = QComboBox()
        self.zoom_box.addItems([FIT_WIDTH, FIT_PAGE] + [f"{round(z * 100)}%" for z in ZOOM_STEPS])
        self.zoom_out = QPushButton("缩小")
        self.zoom_in = QPushButton("放大")
        self.print_button = QPushButton("打印…")
        self.print_button.setObjectName("primaryButton")
        self.print_button.setToolTip("通过系统打印对话框打印（Ctrl+P）")
        self.print_button.setShortcut("Ctrl+P")
        self.save_button = QPushButton("另存为PDF…")
        self.blank_button = QPushButton("空白表…")
        self.blank_button.setToolTip("打印空白表格，供入户时手工填写")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()

        bar = QHBoxLayout()
        for w in (self.prev_button, self.page_box, self.page_label, self.next_button, QLabel("  缩放"),
                  self.zoom_out, self.zoom_box, self.zoom_in):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.blank_button, self.save_button, self.print_button):
            bar.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.heading)
        layout.addLayout(bar)
        layout.addWidget(self.progress)
        layout.addWidget(self.stack, 1)

        self.prev_button.clicked.connect(lambda: self.go_to_page(self.current_page() - 1))
        self.next_button.clicked.connect(lambda: self.go_to_page(self.current_page() + 1))
        self.page_box.valueChanged.connect(lambda v: self.go_to_page(v - 1))
        self.zoom_box.currentTextChanged.connect(self._zoom_chosen)
        self.zoom_in.clicked.connect(lambda: self._step_zoom(+1))
        self.zoom_out.clicked.connect(lambda: self._step_zoom(-1))
        self.print_button.clicked.connect(self.print_with_dialog)
        self.save_button.clicked.connect(self.save_as_pdf)
        self.blank_button.clicked.connect(self.choose_blank_form)
        print_requests(ctx).requested.connect(self.show_request)
        self._update_controls()

    # ---- showing ----

    def show_request(self, request: PrintRequest) -> None:
        """Render ``request`` in a worker (progress shown), then show it."""
        if self._job is not None:
            self._job.cancel()
        self.request = request
        self.heading.setText(f"正在生成：{request.title}")
        self.progress.setRange(0, max(len(request.case_ids), 1))
        self.progress.setValue(0)
        self.progress.setFormat("正在生成 %v / %m 份")
        self.progress.show()
        self._set_busy(True)
        job = self.ctx.workers.submit(render_request, self.ctx.store, request)
        self._job = job
        # Bound methods, not lambdas: if the panel is gone before the worker ends, Qt drops them.
        job.signals.progress.connect(self._render_progress)
        job.signals.result.connect(self._rendered)
        job.signals.error.connect(self._render_failed)

    def _from_current_job(self) -> bool:
        """Whether the signal being handled comes from the render still wanted (not a replaced one)."""
        return self._job is not None and self.sender() is self._job.signals

    def _render_progress(self, done: int, total: int) -> None:
        if self._from_current_job():
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)

    def _rendered(self, result: tuple[bytes, int]) -> None:
        if not self._from_current_job():
            return
        request = self.request
        self._job = None
        self.progress.hide()
        self._set_busy(False)
        pdf, copies = result
        try:
            self.show_pdf(pdf, request.title, copies=copies)
        except PdfError as exc:
            QMessageBox.warning(self, "打印预览", str(exc))

    def _render_failed(self, exc: BaseException) -> None:
        if not self._from_current_job():
            return
        self._job = None
        self.progress.hide()
        self._set_busy(False)
        self.heading.setText("生成失败")
        QMessageBox.warning(self, "打印预览", f"无法生成打印文件：{exc}")

    def show_pdf(self, pdf: bytes, title: str, *, copies: int = 1) -> None:
        """Show ready PDF bytes (also used directly by tests and other panels)."""
        document, buffer = load_pdf(pdf, self)
        old = self.document
        self.document, self._buffer, self.pdf, self.copies = document, buffer, pdf, max(copies, 1)
        self.view.setDocument(document)
        if old is not None:
            old.deleteLater()
        self.heading.setText(f"{title}（共 {document.pageCount()} 页）")
        self.page_box.setMaximum(max(document.pageCount(), 1))
        self.page_box.setValue(1)
        self.stack.setCurrentWidget(self.view)
        self._update_controls()
        self.go_to_page(0)

    def page_count(self) -> int:
        return self.document.pageCount() if self.document is not None else 0

    def current_page(self) -> int:
        return self.view.pageNavigator().currentPage() if self.document is not None else 0

    def go_to_page(self, page: int) -> None:
        if self.document is None:
            return
        page = max(0, min(page, self.page_count() - 1))
        self.view.pageNavigator().jump(page, QPointF(), self.view.pageNavigator().currentZoom())
        self.page_box.blockSignals(True)
        self.page_box.setValue(page + 1)
        self.page_box.blockSignals(False)
        self._update_controls()

    def _zoom_chosen(self, text: str) -> None:
        if text == FIT_WIDTH:
            self.view.setZoomMode(self.zoom_modes.FitToWidth)
        elif text == FIT_PAGE:
            self.view.setZoomMode(self.zoom_modes.FitInView)
        else:
            self.view.setZoomMode(self.zoom_modes.Custom)
            self.view.setZoomFactor(int(text.rstrip("%")) / 100)

    def _step_zoom(self, direction: int) -> None:
        current = self.view.zoomFactor() if self.view.zoomMode() == self.zoom_modes.Custom else 1.0
        steps = [z for z in ZOOM_STEPS if (z > current + 1e-3 if direction > 0 else z < current - 1e-3)]
        if steps:
            zoom = steps[0] if direction > 0 else steps[-1]
            self.zoom_box.setCurrentText(f"{round(zoom * 100)}%")

    def _update_controls(self) -> None:
        has = self.document is not None and self._job is None
        n = self.page_count()
        self.page_label.setText(f"/ {n} 页")
        page = self.current_page()
        self.prev_button.setEnabled(has and page > 0)
        self.next_button.setEnabled(has and page < n - 1)
        for w in (self.page_box, self.zoom_box, self.zoom_in, self.zoom_out, self.print_button, self.save_button):
            w.setEnabled(has)

    def _set_busy(self, busy: bool) -> None:
        self.blank_button.setEnabled(not busy)
        self._update_controls()

    # ---- printing and saving ----

    def _what(self) -> str:
        return self.request.title if self.request is not None else self.heading.text()

    def _case_ids(self) -> list[str]:
        return list(self.request.case_ids) if self.request is not None and not self.request.blank else []

    def print_with_dialog(self) -> bool:
        from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter

        if self.document is None:
            return False
        printer = new_printer(self.copies)
        printer.setDocName(self._what())
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印")
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, True)
        dialog.setMinMax(1, self.page_count())
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
        pages: list[int] | None = None
        if printer.printRange() == QPrinter.PrintRange.PageRange:
            pages = [p - 1 for r in printer.pageRanges().toRangeList() for p in range(r.from_, r.to + 1)]
        elif printer.printRange() == QPrinter.PrintRange.CurrentPage:
            pages = [self.current_page()]
        return self.print_to(printer, pages)

    def print_to(self, printer: QPrinter, pages: list[int] | None = None) -> bool:
        """Print on ``printer`` (already set up) with a progress bar; audited. False on failure."""
        if self.document is None:
            return False
        self.progress.setRange(0, max(len(pages) if pages is not None else self.page_count(), 1))
        self.progress.setValue(0)
        self.progress.setFormat("正在打印 %v / %m 页")
        self.progress.show()
        target = printer.outputFileName() or printer.printerName() or "默认打印机"
        try:
            printed = print_pdf(self.document, printer, pages, progress=self._print_progress)
        except PdfError as exc:
            QMessageBox.warning(self, "打印", str(exc))
            return False
        finally:
            self.progress.hide()
        self._audit(f"打印：{self._what()}", printed, target)
        self.ctx.hub.status_message.emit(f"已发送 {printed} 页到 {target}")
        return True

    def _print_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()

    def save_as_pdf(self) -> bool:
        if self.pdf is None:
            return False
        name = self._what().replace("/", "-").replace("\\", "-")
        path, _ = QFileDialog.getSaveFileName(self, "另存为PDF", f"{name}.pdf", "PDF 文件 (*.pdf)")
        if not path:
            return False
        return self.save_pdf_to(Path(path))

    def save_pdf_to(self, path: Path) -> bool:
        if self.pdf is None:
            return False
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        try:
            path.write_bytes(self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, "另存为PDF", f"无法保存到 {path}：{exc.strerror or exc}")
            return False
        self._audit(f"另存为PDF：{self._what()}", self.page_count(), str(path))
        self.ctx.hub.status_message.emit(f"已保存 {path}")
        return True

    def _audit(self, what: str, pages: int, target: str) -> None:
        try:
            case_service.record_print(self.ctx.store, self.ctx.actor, what, self._case_ids(), pages=pages,
                                      target=target)
        except Exception:
            log.exception("记录打印日志失败")

    # ---- blank forms ----

    def choose_blank_form(self) -> None:
        choices = sorted(forms.load_definitions().values(), key=lambda d: (not d.case_type, d.code))
        titles = [d.title for d in choices]
        title, ok = QInputDialog.getItem(self, "打印空白表", "选择表格：", titles, 0, False)
        if ok and title:
            self.show_blank(choices[titles.index(title)].code)

    def show_blank(self, form_code: str) -> None:
        defn = forms.get_definition(form_code)
        self.show_request(PrintRequest(f"空白表：{defn.title}", form_code=form_code, blank=True))

    # ---- Panel hooks ----

    def show_entry(self, key: str) -> None:
        if self.document is None and self._job is None:
            self.stack.setCurrentWidget(self.empty)
