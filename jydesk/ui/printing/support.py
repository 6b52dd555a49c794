"""Printing from the desktop: what to print (requests between panels) and PDF → QPrinter.

- :class:`PrintRequest` says what to print (cases, a blank form, a companion form). Any panel
  asks for it with ``print_requests(ctx).requested.emit(request)``; the 打印预览 panel renders
  it (in a worker), shows it and prints it.
- :func:`print_pdf` sends the pages of a loaded :class:`QPdfDocument` to a :class:`QPrinter`,
  each page rendered at the printer's own resolution (in horizontal bands, so a 1200 dpi
  printer needs ~20 MB, not 500 MB, per page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, QObject, QRect, QRectF, QSize, Signal
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter

from jydesk.ui.shell.context import AppContext

if TYPE_CHECKING:  # QtPdf and QtPrintSupport load on the first print, not at start-up
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter

BAND_ROWS = 512  # device pixels rendered per band


@dataclass(frozen=True, slots=True)
class PrintRequest:
    """What to render: cases (one or a batch), a blank form, or a companion form of one case."""

    title: str
    case_ids: tuple[str, ...] = ()
    form_code: str | None = None  # blank form, or the companion form printed for case_ids[0]
    blank: bool = False

    @property
    def is_batch(self) -> bool:
        return len(self.case_ids) > 1


class PrintRequests(QObject):
    """The print requests of one session (a child of the session's signal hub)."""

    requested = Signal(object)  # PrintRequest


def print_requests(ctx: AppContext) -> PrintRequests:
    hub = ctx.hub
    found = hub.findChild(PrintRequests)
    if found is None:
        found = PrintRequests(hub)
    return found


class PdfError(RuntimeError):
    """The PDF could not be opened (Chinese message)."""


def load_pdf(data: bytes, parent: QObject | None = None) -> tuple[QPdfDocument, QBuffer]:
    """A ready QPdfDocument over ``data`` and the buffer it reads from (keep both alive)."""
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument(parent)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() == QPdfDocument.Status.Loading:
        loop = QEventLoop()
        document.statusChanged.connect(lambda _s: loop.quit())
        if document.status() == QPdfDocument.Status.Loading:
            loop.exec()
    if document.status() != QPdfDocument.Status.Ready:
        raise PdfError(f"无法打开生成的PDF（{document.error().name}）")
    return document, buffer


def _layout_for(size_pt: QSize | object, printer: QPrinter) -> None:
    """Match the printer's paper orientation to the page (landscape forms print landscape)."""
    width, height = size_pt.width(), size_pt.height()  # type: ignore[attr-defined]
    orientation = QPageLayout.Orientation.Landscape if width > height else QPageLayout.Orientation.Portrait
    if printer.pageLayout().orientation() != orientation:
        printer.setPageOrientation(orientation)


def new_printer(copies: int = 1) -> QPrinter:
    """A printer set up for the forms: A4, high resolution, ``copies`` copies (the dialog may change it)."""
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setCopyCount(max(copies, 1))
    return printer


def print_pdf(document: QPdfDocument, printer: QPrinter, pages: Sequence[int] | None = None,
              progress: Callable[[int, int], None] | None = None) -> int:
    """Print ``pages`` (0-based; default all) of ``document``; returns the number printed.

    Each page is scaled to fit the printer's full paper (the PDF carries its own margins), rendered
    at the printer's resolution in bands and composited on white.
    """
    wanted = list(range(document.pageCount())) if pages is None else [p for p in pages
                                                                       if 0 <= p < document.pageCount()]
    if not wanted:
        return 0
    copies = printer.copyCount()
    if copies > 1 and not printer.supportsMultipleCopies():
        wanted = wanted * copies  # the driver cannot make copies: send the pages again
    printer.setFullPage(True)
    _layout_for(document.pagePointSize(wanted[0]), printer)
    painter = QPainter()
    if not painter.begin(printer):
        raise PdfError("无法开始打印：打印机不可用或输出文件无法写入")
    try:
        for done, page in enumerate(wanted):
            if done:
                _layout_for(document.pagePointSize(page), printer)
                if not printer.newPage():
                    raise PdfError("打印机拒绝了新的一页")
            _paint_page(document, page, painter, printer)
            if progress is not None:
                progress(done + 1, len(wanted))
    finally:
        painter.end()
    return len(wanted)


def _paint_page(document: QPdfDocument, page: int, painter: QPainter, printer: QPrinter) -> None:
    from PySide6.QtPdf import QPdfDocumentRenderOptions

    dpi = printer.resolution()
    paper = printer.pageLayout().fullRectPixels(dpi)
    size_pt = document.pagePointSize(page)
    scale = min(paper.width() / size_pt.width(), paper.height() / size_pt.height())
    width, height = max(1, round(size_pt.width() * scale)), max(1, round(size_pt.height() * scale))
    left = paper.x() + (paper.width() - width) // 2
    top = paper.y() + (paper.height() - height) // 2
    options = QPdfDocumentRenderOptions()
    options.setScaledSize(QSize(width, height))
    for y in range(0, height, BAND_ROWS):
        rows = min(BAND_ROWS, height - y)
        options.setScaledClipRect(QRect(0, y, width, rows))
        band = document.render(page, QSize(width, rows), options)
        white = QImage(band.size(), QImage.Format.Format_RGB32)
        white.fill(QColor("white"))
        over = QPainter(white)
        over.drawImage(0, 0, band)
        over.end()
        painter.drawImage(QRectF(left, top + y, width, rows), white)
