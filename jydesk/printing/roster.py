"""The weekly visit roster (本周探访名单): who is due, where, how to reach them, a column to tick."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class RosterRow:
    name: str
    sex: str
    age: int | None
    address: str
    phone: str
    tier: str  # 探访等级 label, e.g. 高风险（每周）
    last_visit: date | None
    due: date
    note: str = ""


def render_roster(week: str, rows: list[RosterRow], *, village_name: str, clerk: str = "") -> bytes:
    raise NotImplementedError
