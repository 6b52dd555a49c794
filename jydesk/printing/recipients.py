"""The 在保对象 花名册 (the town's roll of recipients of one month) and the monthly 公布 for the
village board. A4 landscape tables in the roster's layout; the header repeats on every page.

公布: the 2021 低保 rules (审核确认办法 §24) publish the name, the household size and the amount in
the village, and no other personal data — so no 身份证号, no address; 事实无人抚养儿童 are never
posted (民发〔2019〕62号). ``mask`` hides the given names (张＊＊) where a town asks for it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm

from jydesk.domain import benefits as b
from jydesk.printing import document, grid
from jydesk.printing import text as tx
from jydesk.printing.fonts import prime
from jydesk.printing.forms import new_canvas

SIZE = 10.0
ROLL_TITLE = "在保对象花名册"
NOTICE_TITLE = "社会救助对象公布"
ROLL_COLUMNS = (("序号", 0.55), ("保障类别", 1.3), ("姓名", 1.1), ("身份证号", 2.3), ("组", 0.55), ("住址", 3.0),
                ("保障人数", 0.8), ("月金额（元）", 1.1), ("起始月份", 1.0), ("状态", 1.5))
NOTICE_COLUMNS = (("序号", 0.6), ("保障类别", 1.6), ("组", 0.6), ("户主或保障对象", 1.8), ("保障人数", 1.0),
                  ("月金额（元）", 1.3))


def _month_text(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"


def _table(columns: Sequence[tuple[str, float]], rows: Sequence[Sequence[str]], width: float, empty: str) -> grid.Block:
    total = sum(w for _, w in columns)
    spans, x = [], 0.0
    for _, weight in columns:
        spans.append((x, width * weight / total))
        x += width * weight / total
    low, high = 8 * mm, 14 * mm
    table = [grid.Row([grid.Cell(cx, cw, tx.tokens(label), size=SIZE) for (label, _), (cx, cw)
                       in zip(columns, spans, strict=True)], low, high, group=1, header=True)]
    for texts in rows:
        cells = [grid.Cell(cx, cw, tx.tokens(text), align="left" if label == "住址" else "center", size=SIZE,
                           label=label, full_text=text)
                 for text, (label, _), (cx, cw) in zip(texts, columns, spans, strict=True)]
        table.append(grid.Row(cells, low, high, group=1))
    if not rows:
        table.append(grid.Row([grid.Cell(0, width, tx.tokens(empty), size=SIZE)], low, high, group=1))
    return grid.Block(table)


def _render(title: str, header_text: str, block_rows: Any, footer: str, printed_on: date | None) -> bytes:
    columns, rows, empty = block_rows
    geo = document.geometry("landscape")
    blocks = [_table(columns, rows, geo.content_width, empty)]
    grid.measure(blocks, geo.body_height)
    doc = document.Document(title=title, geometry=geo, blocks=blocks, header=tx.tokens(header_text),
                            show_number=False, footer_note=footer, printed_on=printed_on or date.today())
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, title)
    prime(canvas, [title, header_text, "".join(c for c, _ in columns), "".join(b.BENEFITS.values()), footer,
                   "在保渐退暂停至组＊本月无合计人户元"])
    document.draw(canvas, doc)
    canvas.save()
    return buffer.getvalue()


def _sum(rows: Sequence[Any]) -> tuple[int, int, Decimal]:
    return (sum(r.persons for r in rows), len({r.household_id for r in rows}),
            sum((r.amount for r in rows), Decimal("0")))


def render_roll(rows: Sequence[Any], month: str, *, village_name: str, benefit: str | None = None,
                printed_on: date | None = None) -> bytes:
    """PDF bytes of the 花名册 of ``month``: every row paid that month (``store.recipients.roll``)."""
    persons, households, money = _sum(rows)
    table = [(str(i), b.BENEFITS.get(r.benefit, r.benefit), r.name, r.id_number, f"{r.group_no}" if r.group_no else "",
              r.address, str(r.persons), f"{r.amount:.2f}", r.start_month or "",
              r.status + (f"（至{r.taper_end_month}）" if r.taper_end_month else "")) for i, r in enumerate(rows, 1)]
    kind = b.BENEFITS.get(benefit, "") if benefit else "全部类别"
    header = (f"村（社区）：{village_name}　月份：{_month_text(month)}　类别：{kind}　"
              f"合计：{persons}人，{households}户，月金额 {money:.2f} 元")
    return _render(ROLL_TITLE, header, (ROLL_COLUMNS, table, "本月没有发放对象"),
                   "按审批结果生成：停发对象不列入，渐退期内照常列入", printed_on)


def render_notice(rows: Sequence[Any], month: str, *, village_name: str, mask: bool = False,
                  printed_on: date | None = None) -> bytes:
    """PDF bytes of the monthly 公布: name, 保障人数 and amount only (``notice_rows``)."""
    persons, households, money = _sum(rows)
    table = [(str(i), b.BENEFITS.get(r.benefit, r.benefit), f"{r.group_no}" if r.group_no else "",
              b.mask_name(r.name) if mask else r.name, str(r.persons), f"{r.amount:.2f}")
             for i, r in enumerate(rows, 1)]
    header = (f"{village_name} {_month_text(month)}社会救助对象公布　保障人数合计 {persons} 人（{households} 户），"
              f"月金额合计 {money:.2f} 元")
    return _render(NOTICE_TITLE, header, (NOTICE_COLUMNS, table, "本月没有需要公布的保障对象"),
                   "如有异议，请在公布之日起7日内向村（社区）或乡镇（街道）反映。", printed_on)
