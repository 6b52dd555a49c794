"""Table-grid geometry shared by forms and the roster: cells, rows, blocks, measuring, drawing.

A *block* is one section of the form: rows of cells, optionally with its title in a merged
column on the left (the usual look of Chinese government forms). Rows grow with their text
up to a limit; text that still does not fit is shrunk and then cut with a pointer to the
continuation sheet (see :func:`text.fit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from operator import itemgetter

from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from jydesk.printing import text as tx
from jydesk.printing.fonts import FONT, split

PAD_X = 1.4 * mm
PAD_Y = 1.0 * mm
BOTTOM_GAP = 1.5 * mm
LINE = 0.6
FRAME = 1.1


@dataclass(slots=True)
class Cell:
    x: float  # from the block's left edge, points
    width: float
    items: list[tx.Token]
    align: str = "center"  # left / center / right
    valign: str = "middle"  # middle / top
    size: float = 10.5
    bottom: list[tx.Token] | None = None  # a line pinned to the bottom (signatures, dates)
    bottom_align: str = "right"
    border: bool = True
    indent: float = 0.0  # first-line indent in em (running text)
    fingerprint: bool = False  # a dashed box to press a fingerprint in
    one_line_floor: float = 8.5  # shrink a short text down to this size before wrapping it; 0 = wrap
    label: str = ""  # names the content on a continuation sheet
    full_text: str = ""  # printed in full on the continuation sheet if cut here
    fitted: tx.Fitted | None = None
    bottom_fitted: tx.Fitted | None = None
    _wrapped: tuple[float, list[tx.Line], bool] | None = None  # (width, lines, split) at ``size``
    _single: float | None = None  # the size at which the text fits on one line, if it does

    def needed(self) -> float:
        inner = self.width - 2 * PAD_X
        height = 2 * PAD_Y
        if self.items:
            items = self._indented()
            single = tx.one_line_size(items, inner, self.size, self.one_line_floor) if self.one_line_floor else None
            if single is not None:
                self._single = single
                height += self.size * tx.LEADING
            else:
                lines, split = tx.wrap(items, inner / self.size)
                self._wrapped = (inner, lines, split)
                height += len(lines) * self.size * tx.LEADING
        if self.bottom:
            one_line = tx.one_line_size(self.bottom, inner, self.size, 9.0)
            height += BOTTOM_GAP + (self.size * tx.LEADING if one_line else tx.needed_height(self.bottom, inner, self.size))
        return height

    def _indented(self) -> list[tx.Token]:
        return [tx.gap(self.indent), *self.items] if self.indent else self.items

    def fit(self, height: float) -> bool:
        """Set the text for a row of ``height``; False if it had to be cut."""
        inner_w = self.width - 2 * PAD_X
        inner_h = height - 2 * PAD_Y
        if self.bottom:
            self.bottom_fitted = tx.fit(self.bottom, inner_w, inner_h, self.size, one_line_floor=9.0)
            inner_h -= self.bottom_fitted.height + BOTTOM_GAP
        if self.items:
            if self._single is not None and self._single * tx.LEADING <= inner_h + 0.01:
                self.fitted = tx.Fitted([self._indented()], self._single)
                return True
            first = self._wrapped[1:] if self._wrapped and self._wrapped[0] == inner_w else None
            self.fitted = tx.fit(self._indented(), inner_w, max(inner_h, 0.0), self.size,
                                 one_line_floor=self.one_line_floor, first=first)
            return not self.fitted.overflow
        return True


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    min_height: float
    max_height: float
    height: float = 0.0
    group: int = 0  # rows of one table share a group; 0 = none
    header: bool = False  # the table's column header, repeated after a page break


@dataclass(slots=True)
class Block:
    rows: list[Row]
    side_title: str = ""
    side_width: float = 0.0  # points; the merged title column
    frame: bool = True
    space_before: float = 0.0
    keep_together: bool = False
    page_break_before: bool = False


@dataclass(slots=True)
class Overflow:
    label: str
    text: str


@dataclass(slots=True)
class Segment:
    """The part of a block placed on one page."""

    block: Block
    rows: list[Row]
    top: float  # y of the segment's top edge (reportlab: from the page bottom)

    @property
    def height(self) -> float:
        return sum(r.height for r in self.rows)


def measure(blocks: list[Block], page_body: float) -> list[Overflow]:
    """Resolve every row's height and fit its text; returns the cut texts."""
    overflows: list[Overflow] = []
    for block in blocks:
        for row in block.rows:
            need = max((c.needed() for c in row.cells), default=row.min_height)
            row.height = min(max(need, row.min_height), max(row.max_height, row.min_height), page_body)
        if block.side_title and block.rows:
            _fit_side_title(block)
        for row in block.rows:
            for cell in row.cells:
                if not cell.fit(row.height) and cell.full_text:
                    overflows.append(Overflow(cell.label, cell.full_text))
    return overflows


def side_title_cell(block: Block, height: float) -> Cell:
    return _side_title_cell(block.side_title, block.side_width, height)


@lru_cache(maxsize=512)
def _side_title_cell(title: str, width: float, height: float) -> Cell:
    """The merged title cell of a section, fitted (shared between documents: read only)."""
    cell = Cell(0, width, tx.tokens(title), size=10.5, one_line_floor=0.0)
    cell.fit(height)
    return cell


@lru_cache(maxsize=256)
def _side_title_need(title: str, width: float) -> float:
    items = tx.tokens(title)
    inner = width - 2 * PAD_X
    return 2 * PAD_Y + min(tx.needed_height(items, inner, size) for size in (10.5, 9.0))


def _fit_side_title(block: Block) -> None:
    """Grow the last row so the section title in the merged column is never cut."""
    need = _side_title_need(block.side_title, block.side_width)
    total = sum(r.height for r in block.rows)
    if total < need:
        block.rows[-1].height += need - total


def paginate(blocks: list[Block], first_top: float, other_top: float, bottom: float) -> list[list[Segment]]:
    """Place blocks top to bottom on pages; a table's header row is repeated after a break."""
    pages: list[list[Segment]] = [[]]
    y = first_top
    headers: dict[int, Row] = {}
    for block in blocks:
        if block.page_break_before and any(s.rows for s in pages[-1]):
            pages.append([])
            y = other_top
        y -= block.space_before
        if block.keep_together and block.rows:
            total = sum(r.height for r in block.rows)
            if y - total < bottom and y < other_top - 1 and total <= other_top - bottom:
                pages.append([])
                y = other_top
        segment = Segment(block, [], y)
        pages[-1].append(segment)
        previous: Row | None = None
        for row in block.rows:
            if row.header:
                headers[row.group] = row
            if y - row.height < bottom - 0.01 and segment.rows:
                pages.append([])
                y = other_top
                segment = Segment(block, [], y)
                pages[-1].append(segment)
                if row.group and previous is not None and previous.group == row.group and not row.header:
                    header = headers.get(row.group)
                    if header is not None:
                        segment.rows.append(header)
                        y -= header.height
            segment.rows.append(row)
            y -= row.height
            previous = row
    for page in pages:
        page[:] = [s for s in page if s.rows]
    return [p for p in pages if p] or [[]]


class Painter:
    """Collects one page's text, grid lines and boxes and emits them in a few PDF operations.

    Text goes out as one BT…ET block of positioned runs (each run split into the font's
    embedded subsets); lines as one path per style. A page of a few hundred cells costs a
    few milliseconds instead of one text object per cell.
    """

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.doc = canvas._doc
        self.font = pdfmetrics.getFont(FONT)
        self.ops: list[str] = []
        self.lines = canvas.beginPath()
        self.frames = canvas.beginPath()
        self.dashed = canvas.beginPath()
        self._current: tuple[int, float] = (-1, 0.0)
        self._font_ops: dict[tuple[int, float], str] = {}  # (subset, size) -> "/F1+0 10.5 Tf"

    def string(self, x: float, baseline: float, text: str, size: float) -> None:
        ops = self.ops
        ops.append(f"1 0 0 1 {fp_str(x, baseline)} Tm")
        current = self._current
        for subset, chunk in split(text, self.doc):
            if subset != current[0] or size != current[1]:
                current = (subset, size)
                op = self._font_ops.get(current)
                if op is None:
                    name = self.font.getSubsetInternalName(subset, self.doc)
                    op = self._font_ops[current] = f"{name} {fp_str(size)} Tf"
                ops.append(op)
            ops.append(f"({escapePDF(chunk)}) Tj")
        self._current = current

    def rect(self, x: float, y: float, width: float, height: float) -> None:
        self.lines.rect(x, y, width, height)

    def frame(self, x: float, y: float, width: float, height: float) -> None:
        self.frames.rect(x, y, width, height)

    def finish(self) -> None:
        canvas = self.canvas
        canvas.saveState()
        canvas.setLineWidth(LINE)
        canvas.drawPath(self.lines, stroke=1, fill=0)
        canvas.setLineWidth(FRAME)
        canvas.drawPath(self.frames, stroke=1, fill=0)
        canvas.setLineWidth(LINE)
        canvas.setDash(2, 2)
        canvas.drawPath(self.dashed, stroke=1, fill=0)
        canvas.restoreState()
        if self.ops:
            canvas.addLiteral("BT\n" + "\n".join(self.ops) + "\nET")


def draw_segment(painter: Painter, segment: Segment, left: float, width: float) -> None:
    block = segment.block
    top = segment.top
    height = segment.height
    x0 = left
    if block.side_title:
        draw_cell(painter, side_title_cell(block, height), left, top, height)
        x0 = left + block.side_width
    y = top
    for row in segment.rows:
        for cell in row.cells:
            draw_cell(painter, cell, x0, y, row.height)
        y -= row.height
    if block.frame:
        painter.frame(left, top - height, width, height)


def draw_cell(painter: Painter, cell: Cell, origin: float, top: float, height: float) -> None:
    x = origin + cell.x
    if cell.border:
        painter.rect(x, top - height, cell.width, height)
    if cell.fingerprint:
        _fingerprint_box(painter, x, top, cell.width, height)
    inner_w = cell.width - 2 * PAD_X
    if cell.bottom_fitted is not None:
        fitted = cell.bottom_fitted
        line_top = top - height + PAD_Y + fitted.height
        draw_lines(painter, fitted, x + PAD_X, line_top, inner_w, cell.bottom_align)
    if cell.fitted is not None:
        fitted = cell.fitted
        inner_h = height - 2 * PAD_Y
        if cell.bottom_fitted is not None:
            inner_h -= cell.bottom_fitted.height + BOTTOM_GAP
        if cell.valign == "top":
            line_top = top - PAD_Y
        else:
            line_top = top - PAD_Y - max(inner_h - fitted.height, 0.0) / 2
        draw_lines(painter, fitted, x + PAD_X, line_top, inner_w, cell.align)


def draw_lines(painter: Painter, fitted: tx.Fitted, x: float, top: float, width: float, align: str) -> None:
    """Draw fitted lines starting at ``top``; check boxes are drawn as squares with ✓."""
    size = fitted.size
    lead = size * tx.LEADING
    text_kind = tx.TEXT
    for index, line in enumerate(fitted.lines):
        baseline = top - index * lead - lead / 2 - 0.36 * size
        used = tx.line_width(line) * size
        if align == "center":
            cx = x + (width - used) / 2
        elif align == "right":
            cx = x + width - used
        else:
            cx = x
        if line and all([t[0] == text_kind for t in line]):  # the common case: one run of text
            painter.string(cx, baseline, "".join([t[1] for t in line]), size)
            continue
        for kind, group in groupby(line, key=itemgetter(0)):
            if kind == text_kind:
                run = list(group)
                painter.string(cx, baseline, "".join([t[1] for t in run]), size)
                cx += sum([t[2] for t in run]) * size
                continue
            for token in group:
                if kind != tx.SPACE:
                    _check_box(painter, cx, baseline, size, kind == tx.CHECKED)
                cx += token[2] * size


def _check_box(painter: Painter, x: float, baseline: float, size: float, checked: bool) -> None:
    side = size * 0.78
    bottom = baseline - size * 0.08
    painter.rect(x + size * 0.08, bottom, side, side)
    if checked:
        painter.string(x + size * 0.1, bottom + size * 0.08, "✓", size)


def _fingerprint_box(painter: Painter, x: float, top: float, width: float, height: float) -> None:
    side = min(width - 4 * mm, height - 9 * mm, 22 * mm)
    if side <= 4 * mm:
        return
    bx = x + (width - side) / 2
    by = top - height + (height - side) / 2 - 2.5 * mm
    painter.dashed.rect(bx, by, side, side)

