"""Rendering forms to PDF: one record, a blank form, or a batch of records in one file."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from jydesk.domain.forms import FormDefinition
from jydesk.printing import document
from jydesk.printing.fonts import prime, register
from jydesk.printing.form_layout import build, fixed_wording

Progress = Callable[[int, int], None]


def new_canvas(buffer: io.BytesIO, title: str) -> Canvas:
    register()
    canvas = Canvas(buffer, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("jydesk")
    canvas.setCreator("jydesk 简阳市民政专干业务桌面端")
    return canvas


def render_form(defn: FormDefinition, values: Mapping[str, Any] | None, *, number: str = "", blank: bool = False,
                printed_on: date | None = None) -> bytes:
    """PDF bytes of ``defn`` filled with ``values`` (``blank`` or None values: the empty form).

    ``number`` is the 编号 printed top right; ``printed_on`` the footer's 打印日期 (today).
    """
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, defn.title)
    prime(canvas, [fixed_wording(defn)])
    _draw(canvas, defn, values, number=number, blank=blank, printed_on=printed_on)
    canvas.save()
    return buffer.getvalue()


def render_batch(items: Iterable[tuple[FormDefinition, Mapping[str, Any], str]], progress: Progress | None = None,
                 *, printed_on: date | None = None) -> bytes:
    """One PDF holding every (definition, values, 编号) in order; pages are numbered per form.

    ``progress(done, total)`` is called after each form (total is 0 when ``items`` is an
    iterator of unknown length).
    """
    entries = list(items) if not isinstance(items, list | tuple) else items
    total = len(entries)
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, entries[0][0].title if total else "批量打印")
    prime(canvas, [fixed_wording(d) for d in {id(e[0]): e[0] for e in entries}.values()])
    for done, (defn, values, number) in enumerate(entries, 1):
        _draw(canvas, defn, values, number=number, blank=False, printed_on=printed_on)
        if progress is not None:
            progress(done, total)
    if not total:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, defn: FormDefinition, values: Mapping[str, Any] | None, *, number: str, blank: bool,
          printed_on: date | None) -> int:
    doc = build(defn, values, blank=blank or values is None, number=number, printed_on=printed_on or date.today())
    return document.draw(canvas, doc)
