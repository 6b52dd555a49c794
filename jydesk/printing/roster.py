"""The weekly visit roster (本周探访名单): who is due, where, how to reach them, a column to tick.

A4 landscape, one row per person in the order given (the visits module sorts by 组 and
address so the clerk can walk the village); the column header repeats on every page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from reportlab.lib.units import mm

from jydesk.domain.visits import IsoWeek, RosterRow
from jydesk.printing import document, grid
from jydesk.printing import text as tx
from jydesk.printing.fonts import prime
from jydesk.printing.forms import new_canvas

TITLE = "本周探访名单"
SIZE = 10.0
COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 0.55), ("姓名", 1.1), ("性别", 0.55), ("年龄", 0.6), ("住址", 3.0), ("联系电话", 1.65),
    ("探访等级", 1.45), ("上次探访", 1.25), ("应访日期", 1.25), ("备注", 2.3), ("已访", 0.6), ("探访日期", 1.2),
)


def render_roster(week: str, rows: Sequence[RosterRow], *, village_name: str, clerk: str = "",
                  printed_on: date | None = None) -> bytes:
    """PDF bytes of the roster for ISO week ``week`` (YYYY-Www; ValidationError if malformed)."""
    iso = IsoWeek.parse(week)
    geo = document.geometry("landscape")
    blocks = [_table(rows, geo.content_width)]
    header = tx.tokens(f"村（社区）：{village_name or '____________'}")
    header += [tx.gap(2.5), *tx.tokens(f"周次：{iso.year}年第{iso.week}周（{_md(iso.monday)}至{_md(iso.sunday)}）")]
    if clerk:
        header += [tx.gap(2.5), *tx.tokens(f"民政专干：{clerk}")]
    header += [tx.gap(2.5), *tx.tokens(f"共{len(rows)}人")]
    grid.measure(blocks, geo.body_height)
    doc = document.Document(title=TITLE, geometry=geo, blocks=blocks, header=header, show_number=False,
                            footer_note="探访后请在“已访”栏打勾并填写探访日期，回村后录入探访记录",
                            printed_on=printed_on or date.today())
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, f"{TITLE} {iso}")
    prime(canvas, [TITLE, "".join(c for c, _ in COLUMNS), "村（社区）周次至民政专干共人从未探访已超期天待跟进"])
    document.draw(canvas, doc)
    canvas.save()
    return buffer.getvalue()


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _date(day: date | None) -> str:
    return f"{day.year}-{day.month:02d}-{day.day:02d}" if day else "从未探访"


def _table(rows: Sequence[RosterRow], width: float) -> grid.Block:
    total = sum(w for _, w in COLUMNS)
    spans: list[tuple[float, float]] = []
    x = 0.0
    for _, weight in COLUMNS:
        spans.append((x, width * weight / total))
        x += width * weight / total
    low, high = 9 * mm, 16 * mm
    header = [grid.Cell(cx, cw, tx.tokens(label), size=SIZE) for (label, _), (cx, cw) in zip(COLUMNS, spans, strict=True)]
    table = [grid.Row(header, low, high, group=1, header=True)]
    for number, row in enumerate(rows, 1):
        texts = [str(number), row.name, row.sex, "" if row.age is None else str(row.age), row.address, row.phone,
                 row.tier, _date(row.last_visit), _date(row.due), row.note]
        cells = []
        for index, text in enumerate(texts):
            cx, cw = spans[index]
            align = "left" if COLUMNS[index][0] in ("住址", "备注") else "center"
            cells.append(grid.Cell(cx, cw, tx.tokens(text), align=align, size=SIZE, label=COLUMNS[index][0],
                                   full_text=text))
        tick_x, tick_w = spans[-2]
        cells.append(grid.Cell(tick_x, tick_w, [tx.box(False)], size=SIZE))
        date_x, date_w = spans[-1]
        cells.append(grid.Cell(date_x, date_w, tx.tokens("　月　日"), size=SIZE))
        table.append(grid.Row(cells, low, high, group=1))
    if not rows:
        empty = grid.Cell(0, width, tx.tokens("本周没有到期需探访的对象"), size=SIZE)
        table.append(grid.Row([empty], low, high, group=1))
    return grid.Block(table)
