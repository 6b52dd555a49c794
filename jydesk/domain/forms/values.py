"""Coercing raw input to typed field values, JSON conversion and paper display text.

Typed values: str, int, Decimal, date, bool, list[str] (multiple choice) and, for tables,
list[dict]. ``to_json`` turns them into JSON-friendly values (ISO dates, money as strings).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from jydesk.domain import idnumber
from jydesk.domain.errors import ValidationError
from jydesk.domain.forms.model import FieldSpec, FieldType
from jydesk.domain.text import TextProblem, ascii_code, clean, halfwidth

TRUE_WORDS = frozenset({"是", "有", "true", "yes", "y", "1", "√", "✓"})
FALSE_WORDS = frozenset({"否", "无", "false", "no", "n", "0"})
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{8})$")
_BANK = re.compile(r"^\d{12,25}$")
_DATE_PARTS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")
_MULTI_SPLIT = re.compile(r"[、,，;；\s]+")
CENT = Decimal("0.01")
#: Numbers written as digits: full-width ones are taken as ASCII; codes refuse other non-ASCII.
_CODES = frozenset({FieldType.ID_NUMBER, FieldType.PHONE, FieldType.BANK_ACCOUNT})
_NUMBERS = frozenset({FieldType.INTEGER, FieldType.NUMBER, FieldType.MONEY})


class CoercionError(ValueError):
    """Raw input that is not a value of the field's type; the text completes “<label>”…

    ``code`` is the error code reported (``format`` unless the type says more, e.g. the
    ``legacy`` of a 15-digit 身份证号)."""

    def __init__(self, message: str, code: str = "format") -> None:
        super().__init__(message)
        self.code = code


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | dict):
        return len(value) == 0
    return False


def coerce(spec: FieldSpec, raw: Any) -> Any:
    """The typed value of ``raw`` for ``spec`` (None when empty); CoercionError if invalid.

    Tables are coerced row by row by the validator, not here.
    """
    if is_empty(raw):
        return None
    kind = spec.type
    if isinstance(raw, dict) or (isinstance(raw, list | tuple | set) and kind is not FieldType.MULTICHOICE):
        raise CoercionError("应为单个值，不能是列表或表格")
    if isinstance(raw, str):
        raw = clean(raw)
        if kind in _CODES:
            try:
                raw = ascii_code(raw, "")
            except TextProblem as exc:
                raise CoercionError(exc.message) from None
        elif kind in _NUMBERS:
            raw = halfwidth(raw)
        if not raw:
            return None
    if kind in (FieldType.TEXT, FieldType.LONGTEXT):
        return _text(raw, multiline=kind is FieldType.LONGTEXT)
    if kind is FieldType.INTEGER:
        return _integer(raw)
    if kind is FieldType.MONEY:
        return _decimal(raw, 2, "应为金额（元），最多两位小数，如 1234.50")
    if kind is FieldType.NUMBER:
        return _decimal(raw, spec.decimals, f"应为数字，最多{spec.decimals}位小数")
    if kind is FieldType.DATE:
        return _date(raw)
    if kind is FieldType.CHOICE:
        return _choice(spec, raw)
    if kind is FieldType.MULTICHOICE:
        items = _MULTI_SPLIT.split(raw.strip()) if isinstance(raw, str) else list(raw)
        chosen = {_choice(spec, item) for item in items if not is_empty(item)}
        return [c for c in spec.choices if c in chosen] or None
    if kind is FieldType.BOOL:
        return _bool(raw)
    if kind is FieldType.ID_NUMBER:
        try:
            return idnumber.parse(str(raw), field=spec.key).number
        except ValidationError as exc:
            code = exc.errors[0].code if exc.errors else "format"
            raise CoercionError(f"有误：{exc.message}", "format" if code == "invalid" else code) from None
    if kind is FieldType.PHONE:
        number = re.sub(r"[\s()（）]", "", str(raw))
        if not _PHONE.match(number):
            raise CoercionError("应为11位手机号或带区号的固定电话，如 13800000000 或 028-27000000")
        return number
    if kind is FieldType.BANK_ACCOUNT:
        number = re.sub(r"[\s-]", "", str(raw))
        if not _BANK.match(number):
            raise CoercionError("应为12至25位数字")
        return number
    if kind in (FieldType.PERSON, FieldType.HOUSEHOLD):
        ref = str(raw).strip()
        if len(ref) > 64:
            raise CoercionError("不是有效的记录编号")
        return ref
    if kind is FieldType.SIGNATURE:
        return None
    raise CoercionError("无法识别的数据")  # tables never reach here


def to_json(spec: FieldSpec, value: Any) -> Any:
    """A typed value as stored in the JSON ``data`` column."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        places = 2 if spec.type is FieldType.MONEY else spec.decimals
        return f"{value:.{places}f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def display(spec: FieldSpec, value: Any) -> str:
    """The text printed on paper for a typed (or JSON) value; "" for empty."""
    if is_empty(value):
        return ""
    try:
        typed = coerce(spec, value)
    except CoercionError:
        return str(value)
    if typed is None:
        return ""
    if spec.type is FieldType.DATE:
        return format_date(typed, spec.layout.date_style)
    if spec.type is FieldType.BOOL:
        return "是" if typed else "否"
    if spec.type is FieldType.MULTICHOICE:
        return "、".join(typed)
    if isinstance(typed, Decimal):
        return to_json(spec, typed)
    return str(typed)


def format_date(value: date, style: str = "day") -> str:
    if style == "month":
        return f"{value.year}年{value.month}月"
    return f"{value.year}年{value.month}月{value.day}日"


def quantize(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _text(raw: Any, *, multiline: bool) -> str:
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not multiline:
        text = re.sub(r"\s*\n\s*", " ", text)
    return text


def _integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise CoercionError("应为整数")
    if isinstance(raw, int):
        return raw
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise CoercionError("应为整数") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CoercionError("应为整数")
    return int(number)


def _decimal(raw: Any, places: int, message: str) -> Decimal:
    if isinstance(raw, bool):
        raise CoercionError(message)
    text = repr(raw) if isinstance(raw, float) else str(raw)
    text = text.strip().replace(",", "").replace("，", "").removesuffix("元").removeprefix("¥").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CoercionError(message) from None
    if not number.is_finite():
        raise CoercionError(message)
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise CoercionError(message)
    return quantize(number, places)


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 and text[4] == "-" else _date_parts(text)
    except ValueError:
        raise CoercionError("应为有效日期，如 2024-05-03") from None


def _date_parts(text: str) -> date:
    match = _DATE_PARTS.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = match.groups()
    return date(int(year), int(month), int(day or 1))


def _choice(spec: FieldSpec, raw: Any) -> str:
    text = str(raw).strip()
    if text in spec.choices:
        return text
    alias = spec.aliases.get(text)
    if alias is not None:
        return alias
    raise CoercionError(f"只能选择：{'、'.join(spec.choices)}（当前为“{text}”）")


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CoercionError("只能选择：是、否")
