"""Working-day arithmetic for statutory time limits (工作日), with a holiday calendar as data.

A day is a working day when it is Monday–Friday and not a public holiday, or when it is a
weekend day the State Council made a working day (调休上班). The calendar is passed in — the
store keeps it in the ``holidays`` table, which the clerk can extend — never hard-coded.

Counting follows the usual rule for time limits: the day the period starts (e.g. the day an
application is 受理) is not counted; "within N working days of D" ends on
``add_working_days(D, N)``.

The shipped table ``data/holidays_cn.csv`` is seed data only, each row naming its source.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

# Safety bound: a calendar with no working day in this many days is certainly mis-entered.
_MAX_SCAN_DAYS = 3660


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One entry of the holiday table: a day off (``working`` False) or an adjusted workday."""

    day: date
    name: str
    working: bool = False
    source: str = ""


class CalendarError(ValueError):
    """The calendar has no working day in a plausible span (Chinese message)."""


class WorkCalendar:
    """Weekends plus public holidays and adjusted working weekends (调休)."""

    def __init__(self, entries: Iterable[CalendarDay] = (), years: Iterable[int] | None = None) -> None:
        """``years``: the years whose official schedule the table holds (default: the years of
        ``entries``); a period crossing any other year is only approximate (``missing_years``)."""
        self._off: dict[date, str] = {}
        self._on: dict[date, str] = {}
        entries = list(entries)
        self.years: frozenset[int] = frozenset(years if years is not None else (e.day.year for e in entries))
        for e in entries:
            (self._on if e.working else self._off)[e.day] = e.name
            (self._off if e.working else self._on).pop(e.day, None)
        # Exceptions to the weekend rule, sorted, for counting by bisection.
        self._weekday_off = sorted(d for d in self._off if d.weekday() < 5)
        self._weekend_on = sorted(d for d in self._on if d.weekday() >= 5)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[date, str, bool]], years: Iterable[int] | None = None) -> WorkCalendar:
        return cls((CalendarDay(d, n, w) for d, n, w in rows), years)

    def missing_years(self, start: date, end: date) -> list[int]:
        """Years touched by the period (start, end] whose holiday schedule the table lacks."""
        lo, hi = (start, end) if start <= end else (end, start)
        first = (lo + timedelta(days=1)).year if lo < hi else lo.year
        return [y for y in range(first, hi.year + 1) if y not in self.years]

    def is_working_day(self, day: date) -> bool:
        if day in self._on:
            return True
        if day in self._off:
            return False
        return day.weekday() < 5

    def name_of(self, day: date) -> str | None:
        """The holiday (or 调休上班) name of ``day``, if the calendar lists it."""
        return self._off.get(day) or self._on.get(day)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted); n=0 → start."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day, counted, scanned = start, 0, 0
        while counted < n:
            day += timedelta(days=1)
            scanned += 1
            if scanned > _MAX_SCAN_DAYS + n * 7:
                raise CalendarError("节假日表有误：很长一段时间内没有工作日")
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative (-(working days in (end, start])) if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        # Whole weeks in O(1), then the exceptions listed in the calendar within the span.
        span = (end - start).days
        weeks, rest = divmod(span, 7)
        total = weeks * 5
        day = start + timedelta(days=weeks * 7)
        for _ in range(rest):
            day += timedelta(days=1)
            if day.weekday() < 5:
                total += 1
        total -= bisect_right(self._weekday_off, end) - bisect_right(self._weekday_off, start)
        total += bisect_right(self._weekend_on, end) - bisect_right(self._weekend_on, start)
        return total

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        return day if self.is_working_day(day) else self.add_working_days(day, 1)


def shipped_holidays() -> list[CalendarDay]:
    """The holiday seed table shipped with jydesk (official schedules with their source)."""
    text = resources.files("jydesk.domain").joinpath("data/holidays_cn.csv").read_text("utf-8")
    rows = [r for r in csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))]
    return [CalendarDay(date.fromisoformat(r["day"]), r["name"], r["working"] == "yes", r["source"]) for r in rows]


#: From this day of December on, a missing schedule for next year is warned about.
WARN_FROM = (12, 1)


def next_year_warning(calendar: WorkCalendar, today: date) -> str:
    """A warning for the 统计 panel when next year's holiday schedule is missing after 1 December."""
    if (today.month, today.day) < WARN_FROM or today.year + 1 in calendar.years:
        return ""
    return (f"尚未收到{today.year + 1}年节假日安排：跨入{today.year + 1}年的办理时限暂按周一至周五推算（显示为“约”），"
            "可能偏早。请同步，或请市局用 jydesk-server reference import 下发")
