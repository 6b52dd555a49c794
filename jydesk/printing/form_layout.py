"""Lay out a form definition and a record as grid blocks: the definition is the layout.

Sections become blocks with their title in a merged left column; fields fill rows of
``page.grid`` units as label cell + value cell (``label_span`` / ``span``); a table prints
its column header and at least ``print_rows`` rows; opinion blocks carry 意见, signatures,
（盖章） and 年 月 日; the signature section has the declaration and a fingerprint box.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from reportlab.lib.units import mm

from jydesk.domain.approval import COUNTY_RECORD_TITLE, PRINT_LEVEL_KEY, TOWN_CONFIRM_TITLE, opinion_titles
from jydesk.domain.forms import FieldSpec, FieldType, FormDefinition, SectionKind, SectionSpec
from jydesk.domain.forms.values import CoercionError, coerce, display, is_empty
from jydesk.printing import grid
from jydesk.printing import text as tx
from jydesk.printing.document import Document, Geometry, geometry

BLANK_DATE = "　　年　　月　　日"
BLANK_MONTH = "　　年　　月"
BLANK_INLINE = "__________"
SIGN_GAP = 7.0  # em left blank after a signer's label
FINGERPRINT_WIDTH = 30 * mm
DEFAULT_TABLE_ROWS = 4
NUMBERS = "零一二三四五"
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def build(defn: FormDefinition, values: Mapping[str, Any] | None, *, blank: bool, number: str,
          printed_on: date | None) -> Document:
    """The laid-out document for ``defn`` filled with ``values`` (or blank)."""
    geo = geometry(defn.page.orientation)
    record: Mapping[str, Any] = {} if blank or values is None else values  # cells coerce leniently
    builder = _Builder(defn, record, geo)
    titles = opinion_titles(defn.code, record.get(PRINT_LEVEL_KEY))
    for section in defn.sections:
        if section.key in titles:  # the town confirms: its block reads 审核确认, the county's 备案
            section = dataclasses.replace(section, title=titles[section.key])
        builder.section(section)
    blocks = builder.blocks
    overflows = grid.measure(blocks, geo.body_height)
    if overflows:
        extra = continuation_blocks(overflows, geo, defn.page.font_size)
        grid.measure(extra, geo.body_height)
        blocks.extend(extra)
    note = defn.page.footer_note or (f"本表一式{_count(defn.copies)}份" if defn.copies > 1 else "")
    return Document(title=defn.title, geometry=geo, blocks=blocks, number=number, header=builder.header,
                    footer_note=note, printed_on=printed_on)


@cache
def fixed_wording(defn: FormDefinition) -> frozenset[str]:
    """Every character the form prints whatever the record (for font subset priming)."""
    texts = [defn.title, defn.page.footer_note, BLANK_DATE, BLANK_INLINE, "续　页（接上）", "…（见续页）",
             TOWN_CONFIRM_TITLE, COUNTY_RECORD_TITLE]
    for section in defn.sections:
        texts += [section.title, section.text, section.note, *section.signers]
        for spec in section.fields:
            texts += [spec.label, spec.unit, *spec.choices]
            for col in spec.columns:
                texts += [col.label, col.unit, *col.choices]
    return frozenset("".join(texts))


def _count(n: int) -> str:
    return "两" if n == 2 else NUMBERS[n] if n < len(NUMBERS) else str(n)


class _Builder:
    def __init__(self, defn: FormDefinition, values: Mapping[str, Any], geo: Geometry) -> None:
        self.defn = defn
        self.values = values
        self.geo = geo
        self.size = defn.page.font_size
        self.row_min = defn.page.row_height * mm
        self.blocks: list[grid.Block] = []
        self.header: list[tx.Token] = []
        self.groups = 0

    # --- geometry helpers ---------------------------------------------------------
    def _side(self, section: SectionSpec) -> float:
        return self.defn.page.side_width * mm if section.side_title and section.title else 0.0

    def _lines_height(self, lines: int) -> float:
        return 2 * grid.PAD_Y + lines * self.size * tx.LEADING

    def _row_limits(self, section: SectionSpec) -> tuple[float, float]:
        low = section.row_height * mm if section.row_height else self.row_min
        return low, max(low, self._lines_height(3))

    def _cell(self, x: float, width: float, items: list[tx.Token], **kw: Any) -> grid.Cell:
        return grid.Cell(x, width, items, size=self.size, **kw)

    # --- sections ---------------------------------------------------------------------
    def section(self, section: SectionSpec) -> None:
        if section.kind is SectionKind.HEADER:
            self._header(section)
            return
        side = self._side(section)
        width = self.geo.content_width - side
        if section.kind is SectionKind.FIELDS:
            rows = self._fields(section, width)
        elif section.kind is SectionKind.TEXT:
            rows = self._text(section, width)
        elif section.kind is SectionKind.OPINION:
            rows = self._opinion(section, width)
        else:
            rows = self._signature(section, width)
        if section.note:
            low, high = self._row_limits(section)
            note = grid.Cell(0, width, tx.tokens(section.note), align="left", size=min(self.size, 9.0))
            rows.append(grid.Row([note], low * 0.8, high))
        block = grid.Block(rows, side_title=section.title if side else "", side_width=side,
                           frame=section.kind is not SectionKind.TEXT,
                           keep_together=not any(f.type is FieldType.TABLE for f in section.fields),
                           page_break_before=section.page_break_before,
                           space_before=2 * mm if section.kind is SectionKind.TEXT else 0.0)
        self.blocks.append(block)

    def _header(self, section: SectionSpec) -> None:
        for spec in section.fields:
            if not spec.printed:
                continue
            if self.header:
                self.header.append(tx.gap(2.5))
            value = display(spec, self.values.get(spec.key))
            self.header.extend(tx.tokens(f"{spec.label}：{value or BLANK_INLINE}"))

    def _fields(self, section: SectionSpec, width: float) -> list[grid.Row]:
        grid_units = self.defn.page.grid
        unit = width / grid_units
        low, high = self._row_limits(section)
        rows: list[grid.Row] = []
        pending: list[tuple[FieldSpec, int, int, int]] = []  # spec, start, label_span, span
        used = 0
        printed = [f for f in section.fields if f.printed]

        def flush() -> None:
            nonlocal used
            if pending:
                rows.append(self._field_row(pending, grid_units, unit, low, high))
            pending.clear()
            used = 0

        for spec in printed:
            if spec.type is FieldType.TABLE:
                flush()
                rows.extend(self._table(spec, width, low, high, band=len(printed) > 1 or not section.title))
                continue
            label_span = spec.layout.label_span
            span = spec.layout.span
            if spec.layout.newline or used + label_span + max(span, 1) > grid_units:
                flush()
            if span == 0:
                span = grid_units - used - label_span
            pending.append((spec, used, label_span, span))
            used += label_span + span
            if used >= grid_units:
                flush()
        flush()
        return rows

    def _field_row(self, pending: list[tuple[FieldSpec, int, int, int]], grid_units: int, unit: float,
                   low: float, high: float) -> grid.Row:
        cells: list[grid.Cell] = []
        fixed = 0
        last = len(pending) - 1
        for index, (spec, start, label_span, span) in enumerate(pending):
            if index == last:
                span = grid_units - start - label_span  # close the row
            x = start * unit
            if label_span:
                cells.append(self._cell(x, label_span * unit, tx.tokens(spec.label)))
            fixed = max(fixed, spec.layout.lines)
            cells.append(self._value_cell(spec, self.values.get(spec.key), (start + label_span) * unit,
                                          span * unit, spec.label))
        if fixed:
            height = self._lines_height(fixed)
            return grid.Row(cells, max(height, low), max(height, low))
        return grid.Row(cells, low, high)

    def _value_cell(self, spec: FieldSpec, raw: Any, x: float, width: float, label: str, *,
                    in_table: bool = False) -> grid.Cell:
        items, text = self._value_items(spec, raw, in_table=in_table)
        long = spec.type is FieldType.LONGTEXT
        align = spec.layout.align or ("left" if long or (spec.type is FieldType.TEXT and width > 55 * mm) else "center")
        if not text and spec.unit and spec.type in (FieldType.MONEY, FieldType.INTEGER, FieldType.NUMBER):
            align = "right"
        return self._cell(x, width, items, align=align, valign="top" if long else "middle",
                          label=label, full_text=text, one_line_floor=0.0 if long else 8.5)

    def _value_items(self, spec: FieldSpec, raw: Any, *, in_table: bool) -> tuple[list[tx.Token], str]:
        """Tokens for a value cell and the plain text (for the continuation sheet).

        Choices print as check boxes, except in table cells, which are too narrow: there the
        chosen value is printed as text.
        """
        kind = spec.type
        if kind in (FieldType.CHOICE, FieldType.MULTICHOICE, FieldType.BOOL) and not in_table:
            return _choice_tokens(spec, raw), ""
        if kind is FieldType.SIGNATURE:
            return [], ""
        text = display(spec, raw)
        if kind is FieldType.DATE and not text:
            return tx.tokens(BLANK_MONTH if spec.layout.date_style == "month" else BLANK_DATE), ""
        if spec.unit and kind in (FieldType.MONEY, FieldType.INTEGER, FieldType.NUMBER):
            return tx.tokens(f"{text}{spec.unit}" if text else spec.unit), text
        return tx.tokens(text), text

    def _table(self, spec: FieldSpec, width: float, low: float, high: float, *, band: bool) -> list[grid.Row]:
        self.groups += 1
        group = self.groups
        columns = [c for c in spec.columns if c.printed]
        total = sum(c.layout.width for c in columns)
        xs = []
        x = 0.0
        for col in columns:
            w = width * col.layout.width / total
            xs.append((x, w))
            x += w
        rows: list[grid.Row] = []
        if band:
            rows.append(grid.Row([self._cell(0, width, tx.tokens(spec.label), align="left")], low, high))
        header = [self._cell(cx, cw, tx.tokens(col.label)) for col, (cx, cw) in zip(columns, xs, strict=True)]
        rows.append(grid.Row(header, low, high, group=group, header=True))
        data = self.values.get(spec.key)
        records = [r for r in data if isinstance(r, Mapping)] if isinstance(data, list) else []
        wanted = spec.layout.print_rows or (0 if records else DEFAULT_TABLE_ROWS)
        for index in range(max(len(records), wanted)):
            record = records[index] if index < len(records) else {}
            cells = [self._value_cell(col, record.get(col.key), cx, cw, f"{spec.label}第{index + 1}行{col.label}",
                                      in_table=True)
                     for col, (cx, cw) in zip(columns, xs, strict=True)]
            rows.append(grid.Row(cells, low, high, group=group))
        return rows

    def _text(self, section: SectionSpec, width: float) -> list[grid.Row]:
        def fill(match: re.Match[str]) -> str:
            spec = self.defn.field(match.group(1))
            return display(spec, self.values.get(spec.key)) or BLANK_INLINE

        body = _PLACEHOLDER.sub(fill, section.text)
        cell = self._cell(0, width, _paragraphs(body), align="left", valign="top", border=False,
                          label=section.title or "说明", full_text=body, one_line_floor=0.0)
        low = self._lines_height(section.lines) if section.lines else 0.0
        return [grid.Row([cell], low, self.geo.body_height)]

    def _opinion(self, section: SectionSpec, width: float) -> list[grid.Row]:
        items: list[tx.Token] = []
        body_text = ""
        when: Any = None
        for spec in section.fields:
            value = self.values.get(spec.key)
            if spec.type is FieldType.DATE:
                when = value
            elif spec.type is FieldType.LONGTEXT:
                body_text = display(spec, value)
            elif spec.printed:
                if items:
                    items.append(tx.gap(1.5))
                if spec.type in (FieldType.CHOICE, FieldType.BOOL):
                    items.extend(_choice_tokens(spec, value))
                else:
                    shown = display(spec, value)
                    items.extend(tx.tokens(f"{spec.label}：{shown + spec.unit if shown else BLANK_INLINE + spec.unit}"))
        if body_text:
            if items:
                items.append(tx.NEWLINE)
            items.extend(tx.tokens(body_text))
        bottom: list[tx.Token] = []
        for signer in section.signers:
            bottom += [tx.word(f"{signer}："), tx.gap(SIGN_GAP)]
        if section.seal:
            bottom += [tx.word("（盖章）"), tx.gap(3)]
        bottom.append(tx.word(_date_text(section, when)))
        lines = section.lines or 3
        height = self._lines_height(lines) + grid.BOTTOM_GAP + self.size * tx.LEADING
        cell = self._cell(0, width, items, align="left", valign="top", bottom=bottom, label=section.title,
                          full_text=body_text, one_line_floor=0.0)
        return [grid.Row([cell], height, height)]

    def _signature(self, section: SectionSpec, width: float) -> list[grid.Row]:
        when = next((self.values.get(f.key) for f in section.fields if f.type is FieldType.DATE), None)
        bottom: list[tx.Token] = []
        for signer in section.signers:
            bottom += [tx.word(f"{signer}："), tx.gap(SIGN_GAP + 2)]
        bottom.append(tx.word(_date_text(section, when)))
        main_width = width - FINGERPRINT_WIDTH if section.fingerprint else width
        cells = [self._cell(0, main_width, _paragraphs(section.text), align="left", valign="top",
                            bottom=bottom, label=section.title or "声明", full_text=section.text,
                            one_line_floor=0.0)]
        low = self._lines_height(section.lines or 2) + grid.BOTTOM_GAP + self.size * tx.LEADING
        if section.fingerprint:
            cells.append(self._cell(main_width, FINGERPRINT_WIDTH, tx.tokens("手印"), valign="top",
                                    fingerprint=True))
            low = max(low, 30 * mm)
        return [grid.Row(cells, low, max(low, self.geo.body_height / 3))]


def _paragraphs(text: str, indent: float = 2.0) -> list[tx.Token]:
    """Running text: each paragraph starts on a new line, indented two characters."""
    items: list[tx.Token] = []
    for paragraph in text.split("\n"):
        if items:
            items.append(tx.NEWLINE)
        items += [tx.gap(indent), *tx.tokens(paragraph.strip())]
    return items


def _date_text(section: SectionSpec, value: Any) -> str:
    for spec in section.fields:
        if spec.type is FieldType.DATE:
            text = display(spec, value)
            if text:
                return text
    return BLANK_DATE


def _choice_tokens(spec: FieldSpec, raw: Any) -> list[tx.Token]:
    """□选项 boxes, the chosen ones ticked; a value not among the choices is printed as text."""
    chosen: set[Any] = set()
    stray = ""
    if not is_empty(raw):
        try:
            value = coerce(spec, raw)
        except CoercionError:
            value, stray = None, str(raw)
        if isinstance(value, list):
            chosen = set(value)
        elif value is not None:
            chosen = {value}
    options: list[tuple[str, bool]]
    if spec.type is FieldType.BOOL:
        options = [("是", True in chosen), ("否", False in chosen)]
    else:
        options = [(c, c in chosen) for c in spec.choices]
    items: list[tx.Token] = []
    for label, checked in options:
        if items:
            items.append(tx.gap(0.6))
        items.append(tx.box(checked))
        items.append(tx.word(label))
    if stray:
        items.append(tx.gap(0.8))
        items.extend(tx.tokens(stray))
    return items


def continuation_blocks(overflows: list[grid.Overflow], geo: Geometry, size: float) -> list[grid.Block]:
    """The continuation sheet: every cut text in full, labelled with its field."""
    heading = grid.Cell(0, geo.content_width, tx.tokens("续　页"), size=14.0, border=False)
    blocks = [grid.Block([grid.Row([heading], 10 * mm, 10 * mm)], frame=False, page_break_before=True)]
    label_width = geo.content_width * 0.2
    text_width = geo.content_width - label_width
    chunk_height = geo.body_height - 30 * mm
    rows: list[grid.Row] = []
    for overflow in overflows:
        lines, _ = tx.wrap(tx.tokens(overflow.text), (text_width - 2 * grid.PAD_X) / size)
        per_chunk = max(1, int(chunk_height // (size * tx.LEADING)))
        for part, start in enumerate(range(0, len(lines), per_chunk)):
            chunk: list[tx.Token] = []
            for line in lines[start:start + per_chunk]:
                if chunk:
                    chunk.append(tx.NEWLINE)
                chunk.extend(line)
            label = overflow.label if part == 0 else f"{overflow.label}（接上）"
            height = 2 * grid.PAD_Y + max(len(lines[start:start + per_chunk]), 1) * size * tx.LEADING
            rows.append(grid.Row([grid.Cell(0, label_width, tx.tokens(label), size=size),
                                  grid.Cell(label_width, text_width, chunk, align="left", valign="top", size=size)],
                                 max(height, 9 * mm), max(height, 9 * mm)))
    blocks.append(grid.Block(rows))
    return blocks
