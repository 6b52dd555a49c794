"""Text as it is stored: one normalising function for every value a clerk or a device enters.

:func:`clean` makes text NFC, removes C0/C1 control characters other than line breaks and
tabs (a NUL pasted from Word, which PostgreSQL cannot store), bidi embedding/override/isolate
marks and lone surrogates (which UTF-8 cannot encode), unifies line breaks and trims.
:func:`halfwidth` turns full-width digits and Latin letters into ASCII for 身份证号, phone and
number fields; :func:`ascii_code` does that and refuses what is still not ASCII with a
Chinese message naming the field. :func:`clean_value` applies :func:`clean` to every string
of a JSON value (form values, tables) and refuses values nested too deep.

The desktop runs these in the unit of work (every write), the city server on every pushed
change, so both store the same text. Text that needs no work (plain ASCII without control
characters, or NFC text without a removable character) costs one or two C-level checks.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

#: What :func:`clean` removes: C0 controls except tab and line breaks, DEL and C1 controls,
#: bidi marks, embeddings, overrides and isolates (U+061C, U+200E/F, U+202A–E, U+2066–9),
#: and lone surrogates (a Python str holds a valid pair as one code point).
_MARKS = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_REMOVED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_MARKS}]")
#: Text needing work beyond trimming: the above or a carriage return (line breaks become \n).
_WORK = re.compile(f"[\x00-\x08\x0b-\x1f{_MARKS}]")
_SPACE = " \t\n\r\x0b\x0c\u3000\u00a0"
#: Full-width ASCII (U+FF01–FF5E) and the ideographic space as their ASCII forms.
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
#: Deepest nesting a stored value may have (a form table is 2: a list of rows of scalars).
MAX_DEPTH = 8


class TextProblem(ValueError):
    """A value that cannot be stored; ``message`` is Chinese and completes “<label>：”."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean(text: str, _work: Any = _WORK.search, _nfc: Any = unicodedata.is_normalized) -> str:
    """``text`` as stored (see the module docstring)."""
    if _work(text) is None and (text.isascii() or _nfc("NFC", text)):
        return text.strip(_SPACE)
    text = _REMOVED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.strip(_SPACE)


def halfwidth(text: str) -> str:
    """Full-width digits, letters and signs (０-９, Ａ-Ｚ, －, （ …) as ASCII; other text as it is."""
    return text if text.isascii() else text.translate(_HALFWIDTH)


def ascii_code(text: str, label: str) -> str:
    """A 身份证号, phone or number as typed, cleaned and in ASCII; TextProblem naming ``label``
    and the first character that is not a half-width letter, digit or sign."""
    text = halfwidth(clean(text))
    if not text.isascii():
        bad = next(c for c in text if not c.isascii())
        raise TextProblem(f"{label}只能填写半角数字和字母，不能含有“{bad}”")
    return text


def clean_value(value: Any, depth: int = 0, *, max_length: int | None = None) -> Any:
    """A JSON value with every string (keys included) cleaned; TextProblem if it is nested
    deeper than :data:`MAX_DEPTH` or has a text longer than ``max_length``. Returns
    ``value`` itself when nothing changed."""
    kind = type(value)
    if kind is str:
        text = clean(value)
        if max_length is not None and len(text) > max_length:
            raise TextProblem(f"文字不能超过{max_length}个字")
        return text
    if kind is not dict and kind is not list:
        return value
    if depth >= MAX_DEPTH:
        raise TextProblem(f"内容嵌套超过{MAX_DEPTH}层")
    if kind is dict:
        out: Any = {clean_value(k, max_length=max_length) if type(k) is str else k:
                    clean_value(v, depth + 1, max_length=max_length) for k, v in value.items()}
    else:
        out = [clean_value(v, depth + 1, max_length=max_length) for v in value]
    return value if out == value else out


def clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``values`` whose cleaned value differs (strings, lists and dicts of them)."""
    changed = {}
    for name, value in values.items():
        if isinstance(value, str | list | dict):
            new = clean_value(value)
            if new is not value and new != value:
                changed[name] = new
    return changed
