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
BatchItem = tuple[FormDefinition, Mapping[str, Any] | None, str]


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
    pdf, _ = render_pages([(defn, None if blank else values, number)], printed_on=printed_on)
    return pdf


def render_batch(items: Iterable[BatchItem], progress: Progress | None = None, *,
                 printed_on: date | None = None) -> bytes:
    """One PDF holding every (definition, values, 编号) in order; pages are numbered per form.

    ``progress(done, total)`` is called after each form.
    """
    pdf, _ = render_pages(items, progress, printed_on=printed_on)
    return pdf


def render_pages(items: Iterable[BatchItem], progress: Progress | None = None, *,
                 printed_on: date | None = None) -> tuple[bytes, int]:
    """Like :func:`render_batch`, also returning the number of pages (None values: blank form)."""
    entries = list(items)
    total = len(entries)
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, entries[0][0].title if total == 1 else "批量打印")
    prime(canvas, [fixed_wording(d) for d in {id(e[0]): e[0] for e in entries}.values()])
    on = printed_on or date.today()
    pages = 0
    for done, (defn, values, number) in enumerate(entries, 1):
        doc = build(defn, values, blank=values is None, number=number, printed_on=on)
        pages += document.draw(canvas, doc)
        if progress is not None:
            progress(done, total)
    if not total:
        canvas.showPage()
        pages = 1
    canvas.save()
    return buffer.getvalue(), pages
