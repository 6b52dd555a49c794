"""Pages of one printed document: A4 geometry, title, 编号, footer with page x/y and print date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from jydesk.printing import grid
from jydesk.printing import text as tx
from jydesk.printing.fonts import FONT, text_width

TITLE_SIZE = 18.0
SMALL = 9.0


@dataclass(frozen=True, slots=True)
class Geometry:
    width: float
    height: float
    left: float = 15 * mm
    right: float = 15 * mm
    top: float = 13 * mm
    bottom: float = 15 * mm

    @property
    def content_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def first_top(self) -> float:
        """Top of the body on the first page (below title and header line)."""
        return self.height - self.top - 19 * mm

    @property
    def other_top(self) -> float:
        return self.height - self.top - 8 * mm

    @property
    def body_bottom(self) -> float:
        return self.bottom

    @property
    def body_height(self) -> float:
        return self.other_top - self.body_bottom


def geometry(orientation: str = "portrait") -> Geometry:
    width, height = landscape(A4) if orientation == "landscape" else A4
    return Geometry(width, height)


@dataclass(slots=True)
class Document:
    """One form (or roster) laid out, to be drawn as consecutive pages of a canvas."""

    title: str
    geometry: Geometry
    blocks: list[grid.Block]
    number: str = ""
    header: list[tx.Token] = field(default_factory=list)  # first-page line under the title, left
    footer_note: str = ""
    printed_on: date | None = None
    show_number: bool = True


def draw(canvas: Canvas, doc: Document) -> int:
    """Paginate and draw ``doc`` on ``canvas`` (one showPage per page); returns the page count."""
    geo = doc.geometry
    pages = grid.paginate(doc.blocks, geo.first_top, geo.other_top, geo.body_bottom)
    total = len(pages)
    canvas.setPageSize((geo.width, geo.height))
    for number, segments in enumerate(pages, 1):
        painter = grid.Painter(canvas)
        _decorate(canvas, painter, doc, number, total)
        for segment in segments:
            grid.draw_segment(painter, segment, geo.left, geo.content_width)
        painter.finish()
        canvas.showPage()
    return total


def _decorate(canvas: Canvas, painter: grid.Painter, doc: Document, page: int, total: int) -> None:
    geo = doc.geometry
    right = geo.width - geo.right
    number_text = f"编号：{doc.number}" if doc.number else "编号：____________"
    if page == 1:
        _title(canvas, doc.title, geo.width / 2, geo.height - geo.top - 8 * mm)
        line_y = geo.height - geo.top - 15.5 * mm
        number_width = text_width(number_text, 10.5) if doc.show_number else 0.0
        if doc.header:
            room = geo.content_width - number_width - 6 * mm
            fitted = tx.fit(doc.header, room, 10.5 * tx.LEADING, 10.5)
            grid.draw_lines(painter, fitted, geo.left, line_y + 10.5 * tx.LEADING / 2 + 1.3, room, "left")
        if doc.show_number:
            canvas.setFont(FONT, 10.5)
            canvas.drawRightString(right, line_y - 2.3, number_text)
    else:
        canvas.setFont(FONT, 10.5)
        canvas.drawString(geo.left, geo.height - geo.top - 5 * mm, f"{doc.title}（续）")
        if doc.show_number:
            canvas.drawRightString(right, geo.height - geo.top - 5 * mm, number_text)
    canvas.setFont(FONT, SMALL)
    footer_y = geo.bottom - 7 * mm
    canvas.drawCentredString(geo.width / 2, footer_y, f"第 {page} 页 / 共 {total} 页")
    if doc.printed_on is not None:
        printed = f"打印日期：{doc.printed_on.year}年{doc.printed_on.month}月{doc.printed_on.day}日"
        canvas.drawRightString(right, footer_y, printed)
    if doc.footer_note:
        canvas.drawString(geo.left, footer_y, doc.footer_note)


def _title(canvas: Canvas, title: str, centre: float, baseline: float) -> None:
    """The title in faux bold (the bundled font has no bold face): fill plus a thin stroke."""
    canvas.saveState()
    canvas.setFont(FONT, TITLE_SIZE)
    canvas.setLineWidth(0.45)
    text = canvas.beginText()
    text.setTextRenderMode(2)
    text.setFont(FONT, TITLE_SIZE)
    text.setTextOrigin(centre - text_width(title, TITLE_SIZE) / 2, baseline)
    text.textOut(title)
    canvas.drawText(text)
    canvas.restoreState()
