"""居民身份证号码 (GB 11643-1999): validation, derived facts and masking.

Legacy 15-digit numbers (issued before 1999) are not accepted as stored values: every
living holder has been issued an 18-digit number, and the two forms of one person must
not coexist in the registry. A 15-digit entry is refused with a message that names the
18-digit number it converts to, so the clerk can check it against the card and retype it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from operator import mul

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.text import clean, halfwidth

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_EIGHTEEN = re.compile(r"^\d{17}[\dX]$", re.ASCII)
_FIFTEEN = re.compile(r"^\d{15}$", re.ASCII)
_EARLIEST_BIRTH = date(1880, 1, 1)
_SPACE = re.compile(r"\s+")
_ZERO_WEIGHT = ord("0") * sum(WEIGHTS)  # the weighted sum of seventeen "0" characters
_LAST = frozenset("0123456789X")


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():  # fast path, same result
        return CHECK_CHARS[(sum(map(mul, first17.encode(), WEIGHTS)) - _ZERO_WEIGHT) % 11]
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def upgrade_15(number: str) -> str:
    """Convert a legacy 15-digit number to its 18-digit form (century 19 inserted)."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_digit(first17)


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A validated 18-digit ID number and the facts it encodes."""

    number: str
    address_code: str
    birth_date: date
    sex: str  # "男" or "女"

    def age_on(self, on: date) -> int:
        return age_on(self.birth_date, on)

    def masked(self) -> str:
        return mask(self.number)


def normalise(raw: str) -> str:
    """Strip spaces, turn full-width digits and letters into ASCII, make a trailing x upper case."""
    if type(raw) is str and raw.isascii() and raw.isalnum():  # nothing to strip (the usual case)
        return raw.upper()
    return _SPACE.sub("", halfwidth(clean(raw or ""))).upper()


def parse(raw: str, *, today: date | None = None, field: str = "id_number") -> IdNumber:
    """Validate ``raw`` and return an :class:`IdNumber`; raise ValidationError (Chinese) if bad."""
    number = normalise(raw)
    today = today or date.today()
    if len(number) == 18 and number.isascii() and number[:17].isdigit() and number[17] in _LAST:
        return _parse_eighteen(number, today, field)  # the usual, well-formed case
    return _parse_any(number, today, field)


def _fail(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(FieldError(field, message, code))


def _parse_eighteen(number: str, today: date, field: str) -> IdNumber:
    """The checks from the birth date on, for 17 digits and a digit or X."""
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _fail(field, f"身份证号中的出生日期 {number[6:10]}年{number[10:12]}月{number[12:14]}日 不存在",
                    "birth_date") from None
    if birth > today:
        raise _fail(field, "身份证号中的出生日期晚于今天", "birth_date")
    if birth < _EARLIEST_BIRTH:
        raise _fail(field, "身份证号中的出生年份不合理", "birth_date")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise _fail(field, f"身份证号校验位错误（最后一位应为 {expected}），请核对是否输错", "check_digit")
    return IdNumber(number, number[:6], birth, "男" if int(number[16]) % 2 else "女")


def _parse_any(number: str, today: date, field: str) -> IdNumber:
    """Empty, legacy 15-digit, wrong length or characters; then as :func:`_parse_eighteen`."""

    def fail(message: str, code: str = "invalid") -> ValidationError:
        return ValidationError(FieldError(field, message, code))

    if not number:
        raise fail("身份证号不能为空", "required")
    if not number.isascii():
        bad = next(c for c in number if not c.isascii())
        raise fail(f"身份证号只能填写半角数字和X，不能含有“{bad}”", "format")
    if _FIFTEEN.match(number):
        try:
            upgraded = upgrade_15(number)
            _birth(upgraded)
        except ValueError:
            raise fail("身份证号为15位旧号码且出生日期无效，请核对证件后录入18位号码") from None
        raise fail(f"15位旧身份证号已停用，请核对证件后录入18位号码（按规则换算应为 {upgraded}）", "legacy")
    if len(number) != 18:
        raise fail(f"身份证号应为18位，当前为{len(number)}位", "length")
    if not _EIGHTEEN.match(number):
        raise fail("身份证号只能由数字组成，最后一位可以是数字或X", "format")
    return _parse_eighteen(number, today, field)


def is_valid(raw: str, *, today: date | None = None) -> bool:
    try:
        parse(raw, today=today)
    except ValidationError:
        return False
    return True


def _birth(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def age_on(birth: date, on: date) -> int:
    """Whole years completed on ``on`` (a 29 Feb birthday counts on 1 Mar in common years)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def mask(number: str | None) -> str:
    """Show the first 6 and last 4 characters only: 510185********0025."""
    if not number:
        return ""
    if len(number) <= 10:
        return number
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
