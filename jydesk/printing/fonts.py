"""The bundled CJK font (WenQuanYi Micro Hei), registered once and embedded as a subset.

Embedding is the dearest part of a small PDF: reportlab builds a font subset (≤ 256 glyphs
each) for every document and deflates it. :func:`prime` assigns a form's fixed wording (labels, titles,
choices) to the first subsets in a fixed order, and the subsets built are memoised, so
printing the same form again only builds the subset holding the record's own characters.
The other per-subset objects of a reused subset (its widths array, its deflated ToUnicode
map) are remembered too, so saving a document formats only what is new in it.
"""

from __future__ import annotations

import threading
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from jydesk.paths import font_path

FONT = "WQY-MicroHei"
SUBSET_CACHE_SIZE = 64
SUBSET_SIZE = 256
MEMO_MIN_BYTES = 16_384
CMAP_PREFIX = b"/CIDInit"  # a subset's ToUnicode map (reportlab's makeToUnicodeCMap)
# Characters every printed page uses (编号, footer, dates, digits).
COMMON = "编号：第页共打印日期年月日续（）本表一式两三四份手印盖章签名0123456789.-/X✓ "
# Likely characters of a record, most likely first: surnames, given names, addresses, then
# the commonest characters of written Chinese. Used to complete the primed subsets.
FILLER = "".join(dict.fromkeys(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘"
    "杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
    "秀英华芳敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂玉萍红建国志德福贵淑珍兴民荣海燕春梅琴凤云芬翠伟娜"
    "街道路村组号社区镇乡附栋单元楼巷简阳城市东西南北新"
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
    "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应"
    "开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命"
    "此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求"
    "老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光"
    "门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速"
    "花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需"
    "段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感"
    "劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂"
    "京识适属圆包火住调满县局照参红细引听该铁价严龙飞病残疾困难救助收入医疗患慢性务农工"))
_lock = threading.Lock()
_font: TTFont | None = None
_widths: dict[str, float] = {}
SPLIT_CACHE_SIZE = 20_000
PRIME_KEYS = 256
_prime_keys: dict[str, int] = {}  # primed wording -> small id
_primed: weakref.WeakKeyDictionary[Any, tuple[int, frozenset[str]]] = weakref.WeakKeyDictionary()
_splits: dict[tuple[int, str], list[tuple[int, bytes]]] = {}
_templates: dict[str, _Primed] = {}  # primed wording -> its assignment


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
            _memoised_cmaps()
            font = _SubsetFont(FONT, str(path), subfontIndex=0)
            font.face.makeSubset = _memoised(font.face.makeSubset)
            font.face.get_table = _table_cache(font.face.get_table)
            pdfmetrics.registerFont(font)
            _font = font
    return FONT


class _SubsetFont(TTFont):
    """The TTFont, with each subset's ``/Widths`` array formatted once per process.

    A primed subset has the same 256 widths in every document; reportlab would format
    them number by number at every save.
    """

    def addObjects(self, doc: Any) -> None:
        state = self.state[doc]
        names = [self.getSubsetInternalName(n, doc)[1:] for n in range(len(state.subsets))]
        subsets = [tuple(subset) for subset in state.subsets]
        super().addObjects(doc)
        fonts = doc.idToObject["BasicFonts"].dict
        for name, subset in zip(names, subsets, strict=True):
            font = fonts.get(name)
            if font is not None:
                font.Widths = _widths_array(subset)


class _Formatted(pdfdoc.PDFObject):
    """A PDF object whose bytes are already formatted."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


@lru_cache(maxsize=SUBSET_CACHE_SIZE)
def _widths_array(subset: tuple[int, ...]) -> _Formatted:
    assert _font is not None
    widths = pdfdoc.PDFArray([_font.face.getCharWidth(code) for code in subset])
    return _Formatted(widths.format(None))


def _memoised_cmaps() -> None:
    """reportlab builds a subset's ToUnicode map at every save; the same subset gives the same map."""
    make = ttfonts.makeToUnicodeCMap
    if getattr(make, "memoised", False):
        return
    cached = lru_cache(maxsize=SUBSET_CACHE_SIZE)(lambda name, subset: make(name, list(subset)))

    def make_cmap(fontname: str, subset: list[int]) -> str:
        return cached(fontname, tuple(subset))

    make_cmap.memoised = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make_cmap


class _FastFlate(pdfdoc.PDFStreamFilterZCompress):
    """FlateDecode at zlib level 1 (half the time of level 6, ~6 % larger files).

    Large inputs are remembered: a memoised font subset is the same bytes object in every
    document, so it is deflated once; so are the subsets' ToUnicode maps.
    """

    def __init__(self) -> None:
        self._memo: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, text: str | bytes) -> bytes:
        data = text.encode("utf8") if isinstance(text, str) else text
        if len(data) < MEMO_MIN_BYTES and not data.startswith(CMAP_PREFIX):
            return zlib.compress(data, 1)
        with self._lock:
            packed = self._memo.get(data)
            if packed is not None:
                self._memo.move_to_end(data)
                return packed
        packed = zlib.compress(data, 1)
        with self._lock:
            self._memo[data] = packed
            while len(self._memo) > SUBSET_CACHE_SIZE:
                self._memo.popitem(last=False)
        return packed


def _fast_flate() -> None:
    # reportlab looks its one Flate filter up as pdfdoc.PDFZCompress when a document is saved.
    if type(pdfdoc.PDFZCompress) is pdfdoc.PDFStreamFilterZCompress:
        pdfdoc.PDFZCompress = _FastFlate()


def _table_cache(get_table: Callable[[str], bytes]) -> Callable[[str], bytes]:
    """The font's tables sliced out of the file once (the glyph table is megabytes)."""
    tables: dict[str, bytes] = {}

    def cached(tag: str) -> bytes:
        data = tables.get(tag)
        if data is None:
            data = tables[tag] = get_table(tag)
        return data

    return cached


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
    """Give the characters of ``texts`` (sorted, deduplicated) the canvas's first subsets.

    The last of those subsets is then filled up with common characters (surnames, names,
    addresses, the most frequent words), so the primed subsets are the same for every
    record of a form and their embedded bytes come from the memo; a record's own rare
    characters go to a small subset of their own.
    """
    register()
    assert _font is not None
    doc = canvas._doc
    states = getattr(_font, "state", {})  # reportlab's per-document subset assignment
    fresh = doc not in states
    chars = "".join(sorted(set(COMMON).union(*texts)))
    template = _templates.get(chars) if fresh else None
    if template is not None:
        # The same characters primed into a new document always get the same codes: copy them.
        _font.splitString("", doc)  # creates the document's state
        state = states[doc]
        state.assignments = dict(template.assignments)
        state.subsets = [list(subset) for subset in template.subsets]
        state.nextCode = template.next_code
        _primed[doc] = (template.key, template.chars)
        return
    _font.splitString(chars, doc)
    state = states.get(doc)
    if state is None or not hasattr(state, "nextCode"):
        return
    unused = iter([c for c in FILLER if ord(c) not in state.assignments])
    while state.nextCode % SUBSET_SIZE:
        room = SUBSET_SIZE - state.nextCode % SUBSET_SIZE
        batch = "".join(islice(unused, max(1, room - 2)))  # never past the subset's end
        if not batch:
            break
        _font.splitString(batch, doc)
    if fresh:
        with _lock:
            if chars not in _prime_keys and len(_prime_keys) >= PRIME_KEYS:
                _prime_keys.clear()
                _splits.clear()
                _templates.clear()
            key = _prime_keys.setdefault(chars, len(_prime_keys))
            template = _templates[chars] = _Primed(key, frozenset(map(chr, state.assignments)),
                                                   dict(state.assignments),
                                                   tuple(tuple(subset) for subset in state.subsets), state.nextCode)
        _primed[doc] = (key, template.chars)


@dataclass(frozen=True, slots=True)
class _Primed:
    """A fresh document's subset assignment after priming with some wording."""

    key: int
    chars: frozenset[str]
    assignments: dict[int, int]
    subsets: tuple[tuple[int, ...], ...]
    next_code: int


def split(text: str, doc: Any) -> list[tuple[int, bytes]]:
    """``text`` as (subset, codes) runs in ``doc`` (reportlab's ``splitString``).

    A text made only of a primed document's characters splits the same way in every
    document primed with the same wording, so that split is remembered.
    """
    assert _font is not None
    primed = _primed.get(doc)
    if primed is None or not primed[1].issuperset(text):
        return _font.splitString(text, doc)
    key = (primed[0], text)
    runs = _splits.get(key)
    if runs is None:
        runs = _font.splitString(text, doc)
        if len(_splits) >= SPLIT_CACHE_SIZE:
            _splits.clear()
        _splits[key] = runs
    return runs


def char_width(char: str) -> float:
    """Advance width of ``char`` at 1 pt."""
    width = _widths.get(char)
    if width is None:
        if len(char) != 1:
            return text_width(char, 1.0)
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
