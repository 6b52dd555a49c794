"""Administrative regions of 简阳市: towns (9-digit codes) and village codes (12 digits)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from jydesk.domain.errors import FieldError, ValidationError

CITY_CODE = "510185"
CITY_NAME = "简阳市"
DEFAULT_VILLAGE_CODE = "510185001001"
DEFAULT_VILLAGE_NAME = "安象街社区"

# The area decides which 低保 standard applies (see standards.py). The installation's
# clerk declares it at set-up: the public town list carries no such column.
AREA_JIANYANG = "jianyang"
AREA_EAST = "east"
AREA_NAMES = {AREA_JIANYANG: "简阳市", AREA_EAST: "成都东部新区"}

_VILLAGE = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class Town:
    code: str  # 9 digits
    name: str


@cache
def towns() -> tuple[Town, ...]:
    """The 37 towns/streets of 简阳市 (NBS codes to 2022-10-31), in code order."""
    text = resources.files("jydesk.domain").joinpath("data/jianyang_towns.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(Town(r["code"], r["name"]) for r in rows)


def town_by_code(code: str) -> Town | None:
    return next((t for t in towns() if t.code == code), None)


def town_of_village(village_code: str) -> Town | None:
    return town_by_code(village_code[:9]) if village_code else None


def validate_village_code(code: str, field: str = "village_code") -> str:
    """A 12-digit village code under one of 简阳's towns; returns it stripped."""
    code = (code or "").strip()
    if not _VILLAGE.match(code):
        raise ValidationError(FieldError(field, "村(社区)代码应为12位数字"))
    if town_of_village(code) is None:
        raise ValidationError(FieldError(field, f"村(社区)代码前9位 {code[:9]} 不是简阳市的乡镇(街道)代码"))
    if code[9:] == "000":
        raise ValidationError(FieldError(field, "村(社区)代码后3位不能为000"))
    return code
