"""Register numbers (登记编号) of applications: readable, per village, form and year.

``510185001001-低保-2026-02-0007`` is the village code, the form's word (its definition's
``register_name``), the year of 受理, the device number (本机编号) and the running number of
that device for the form and year. The device number is given to each computer of a village
by the city server at enrolment and never given again in that village, so two computers
working offline at the same time never make the same number; each device counts on its
own. Scheme and reasons: docs/architecture.md § Register numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REGISTER_NO = re.compile(r"(\d{12})-([\u4e00-\u9fff]{1,6})-(\d{4})-(\d{2})-(\d{4,6})")
MAX_DEVICE_NO = 99


def register_prefix(village_code: str, name: str, year: int, device_no: int) -> str:
    """Everything before the running number, ending in ``-``."""
    if not 1 <= device_no <= MAX_DEVICE_NO:
        raise ValueError(f"本机编号应为1至{MAX_DEVICE_NO}，当前为{device_no}")
    return f"{village_code}-{name}-{year:04d}-{device_no:02d}-"


def next_register_no(prefix: str, existing: Iterable[str | None]) -> str:
    """The number after the highest of ``existing`` that start with ``prefix`` (0001 if none)."""
    high = 0
    for number in existing:
        if number and number.startswith(prefix):
            tail = number[len(prefix):]
            if tail.isdigit():
                high = max(high, int(tail))
    return f"{prefix}{high + 1:04d}"


def is_register_no(value: str) -> bool:
    return REGISTER_NO.fullmatch(value) is not None
