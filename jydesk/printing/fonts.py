"""The bundled CJK font (WenQuanYi Micro Hei), registered once and embedded as a subset.

Embedding is the dearest part of a small PDF: reportlab builds a font subset (≤ 256 glyphs
each) for every document and deflates it. :func:`prime` assigns a form's fixed wording (labels, titles,
choices) to the first subsets in a fixed order, and the subsets built are memoised, so
printing the same form again only builds the subset holding the record's own characters.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from jydesk.paths import font_path

FONT = "WQY-MicroHei"
SUBSET_CACHE_SIZE = 64
# Characters every printed page uses (编号, footer, dates, digits).
COMMON = "编号：第页共打印日期年月日续（）本表一式两三四份手印盖章签名0123456789.-/X✓ "
_lock = threading.Lock()
_font: TTFont | None = None
_widths: dict[str, float] = {}


def register() -> str:
    """Register the font with reportlab (once per process) and return its name."""
    global _font
    if _font is not None:
        return FONT
    with _lock:
        if _font is None:
            path = font_path()
            if not path.is_file():
                raise FileNotFoundError(f"找不到打印字体文件 {path}")
            _fast_flate()
            font = TTFont(FONT, str(path), subfontIndex=0)
            font.face.makeSubset = _memoised(font.face.makeSubset)
            pdfmetrics.registerFont(font)
            _font = font
    return FONT


class _FastFlate(pdfdoc.PDFStreamFilterZCompress):
    """FlateDecode at zlib level 1: half the save time of level 6 for ~6 % larger files."""

    def encode(self, text: str | bytes) -> bytes:
        return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)


def _fast_flate() -> None:
    # reportlab looks its one Flate filter up as pdfdoc.PDFZCompress when a document is saved.
    if type(pdfdoc.PDFZCompress) is pdfdoc.PDFStreamFilterZCompress:
        pdfdoc.PDFZCompress = _FastFlate()


def _memoised(make: Callable[[list[int]], bytes]) -> Callable[[list[int]], bytes]:
    cache: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
    lock = threading.Lock()

    def make_subset(subset: list[int]) -> bytes:
        key = tuple(subset)
        with lock:
            data = cache.get(key)
            if data is not None:
                cache.move_to_end(key)
                return data
        data = make(subset)
        with lock:
            cache[key] = data
            while len(cache) > SUBSET_CACHE_SIZE:
                cache.popitem(last=False)
        return data

    return make_subset


def prime(canvas: Canvas, texts: Iterable[str]) -> None:
    """Assign the characters of ``texts`` (sorted, deduplicated) to the canvas's first subsets."""
    register()
    assert _font is not None
    chars = sorted(set(COMMON).union(*texts))
    _font.splitString("".join(chars), canvas._doc)


def char_width(char: str) -> float:
    """Advance width of ``char`` at 1 pt."""
    width = _widths.get(char)
    if width is None:
        register()
        width = pdfmetrics.stringWidth(char, FONT, 1.0)
        _widths[char] = width
    return width


def text_width(text: str, size: float) -> float:
    widths = _widths
    total = 0.0
    for char in text:
        width = widths.get(char)
        total += width if width is not None else char_width(char)
    return total * size
