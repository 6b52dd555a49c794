"""Visit plans over ISO weeks: which of the elderly are due, overdue or done in a week.

Weeks are ISO 8601 weeks (Monday to Sunday), written ``YYYY-Www`` (e.g. ``2026-W53``,
``2027-W01``); the ISO year of a week may differ from the calendar year of its days
(2026-W53 runs from 2026-12-28 to 2027-01-03).

The rules, for one person with a visit tier (``jydesk.domain.care``) and a week W = [Mon, Sun]:

- Only visits dated before W's Monday count as *previous* visits; ``last`` is the latest.
- The *due date*: weekly (特殊困难) ``last + 7 days``; monthly (重点) and quarterly (一般) the
  first day of the calendar month / quarter after the one of ``last`` — one visit per calendar
  month or quarter, so a visit on 2027-01-31 does not cover February. If the clerk set a
  下次探访日期 on that latest visit and it is earlier, that date is the due date (a planned
  date can only bring a visit forward). A person never visited is due from W's Monday.
- The person is **due in W** when the due date is on or before W's Sunday. A weekly person is
  therefore due in every ISO week.
- Of the people due in W: **done** if a visit falls inside W; otherwise **overdue** if the
  period the due date falls in (7 days from it for weekly; its calendar month or quarter)
  ended before W's Monday, else **due**. Never-visited people are due, not overdue (we
  cannot know since when).
- A visit inside W to someone not due in W is an extra visit: status done, not due.
- 特殊困难老年人周探访率 (coverage) of W = weekly-group people done in W / those due in W.

Urgency order of a due list: overdue first, then by tier (特殊困难, 重点, 一般), then people
never visited, then the longest time since the last visit, then name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from jydesk.domain.care import TIER_FREQUENCY, TIER_INTERVAL_DAYS, TIER_NAMES, Tier
from jydesk.domain.errors import FieldError, ValidationError

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
TIER_ORDER = {Tier.HIGH: 0, Tier.FOCUS: 1, Tier.GENERAL: 2, Tier.NONE: 3}
VISIT_METHODS = ("入户", "电话", "视频")


def _weeks_in_year(year: int) -> int:
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    """One ISO 8601 week (Monday to Sunday)."""

    year: int
    week: int
    monday: date = field(init=False, compare=False, repr=False)
    sunday: date = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.week <= _weeks_in_year(self.year):
            raise ValidationError(FieldError(
                "week", f"{self.year}年没有第{self.week}周（该年共{_weeks_in_year(self.year)}周）", "range"))
        object.__setattr__(self, "monday", date.fromisocalendar(self.year, self.week, 1))
        object.__setattr__(self, "sunday", date.fromisocalendar(self.year, self.week, 7))

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W05`` (also ``2026W05``, ``2026-w5``) -> IsoWeek; ValidationError if bad."""
        match = _WEEK_RE.match((text or "").strip())
        if not match:
            raise ValidationError(FieldError("week", f"周次“{text}”格式不正确，应为 YYYY-Www，例如 2026-W05", "format"))
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        """The ISO week containing ``day``."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    def shift(self, weeks: int) -> IsoWeek:
        """The week ``weeks`` later (negative: earlier)."""
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    def contains(self, day: date) -> bool:
        return self.monday <= day <= self.sunday

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def label(self) -> str:
        """Chinese label, e.g. 2026年第53周（12月28日—1月3日）."""
        mon, sun = self.monday, self.sunday
        return f"{self.year}年第{self.week}周（{mon.month}月{mon.day}日—{sun.month}月{sun.day}日）"


def weeks_ending(end: IsoWeek, count: int) -> list[IsoWeek]:
    """``count`` consecutive weeks, oldest first, the last one being ``end``."""
    return [end.shift(-i) for i in range(count - 1, -1, -1)]


class VisitStatus(StrEnum):
    DUE = "本周应访"
    OVERDUE = "已超期"
    DONE = "本周已访"
    NOT_DUE = "未到期"


@dataclass(frozen=True, slots=True)
class WeekStatus:
    """One person's standing in one week."""

    status: VisitStatus
    due_in_week: bool
    due_on: date  # the date the next visit fell or falls due
    last_visit: date | None  # latest visit before the week
    visited_on: date | None  # latest visit inside the week

    @property
    def pending(self) -> bool:
        return self.status in (VisitStatus.DUE, VisitStatus.OVERDUE)


#: Calendar months per period of the tiers visited by calendar period.
PERIOD_MONTHS = {Tier.FOCUS: 1, Tier.GENERAL: 3}


def period_start(tier: Tier, day: date) -> date:
    """The first day of the calendar month (重点) or quarter (一般) containing ``day``."""
    months = PERIOD_MONTHS[tier]
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def next_period(tier: Tier, day: date) -> date:
    """The first day of the calendar month / quarter after the one containing ``day``."""
    start = period_start(tier, day)
    month = start.month - 1 + PERIOD_MONTHS[tier]
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_end(tier: Tier, day: date) -> date:
    """The last day of the period that starts falling due on ``day``."""
    if tier in PERIOD_MONTHS:
        return next_period(tier, day) - timedelta(days=1)
    return day + timedelta(days=TIER_INTERVAL_DAYS[tier] - 1)


def due_date(tier: Tier, last_visit: date | None, planned_next: date | None, week: IsoWeek) -> date:
    """When the next visit falls due (see the module docstring)."""
    interval = TIER_INTERVAL_DAYS.get(tier)
    if interval is None:
        raise ValueError(f"tier {tier} has no visit interval")
    if last_visit is None:
        return week.monday
    due = next_period(tier, last_visit) if tier in PERIOD_MONTHS else last_visit + timedelta(days=interval)
    if planned_next is not None and planned_next < due:
        due = max(planned_next, last_visit)
    return due


def week_status(tier: Tier, week: IsoWeek, last_visit: date | None, *, planned_next: date | None = None,
                visited_on: date | None = None) -> WeekStatus:
    """Status of a person of ``tier`` in ``week``.

    ``last_visit``: the latest visit before the week's Monday (``planned_next`` is the
    下次探访日期 recorded on it); ``visited_on``: the latest visit inside the week, if any.
    """
    if last_visit is not None and last_visit >= week.monday:
        raise ValueError("last_visit must be before the week")
    if visited_on is not None and not week.contains(visited_on):
        raise ValueError("visited_on must lie inside the week")
    due_on = due_date(tier, last_visit, planned_next, week)
    due_in_week = due_on <= week.sunday
    if visited_on is not None:
        status = VisitStatus.DONE
    elif not due_in_week:
        status = VisitStatus.NOT_DUE
    elif period_end(tier, due_on) < week.monday if tier in PERIOD_MONTHS else due_on < week.monday:
        status = VisitStatus.OVERDUE
    else:
        status = VisitStatus.DUE
    return WeekStatus(status, due_in_week, due_on, last_visit, visited_on)


def urgency_key(status: VisitStatus, tier: Tier, last_visit: date | None, name: str) -> tuple[int, int, int, int, str]:
    """Sort key of the due list: overdue, tier, never visited, oldest last visit, name."""
    rank = {VisitStatus.OVERDUE: 0, VisitStatus.DUE: 1, VisitStatus.DONE: 2, VisitStatus.NOT_DUE: 3}[status]
    never = 0 if last_visit is None else 1
    return rank, TIER_ORDER[tier], never, last_visit.toordinal() if last_visit else 0, name


def tier_label(tier: Tier) -> str:
    """e.g. 高风险（每周）."""
    return f"{TIER_NAMES[tier]}（{TIER_FREQUENCY[tier]}）" if tier is not Tier.NONE else TIER_NAMES[tier]


@dataclass(frozen=True, slots=True)
class Coverage:
    """特殊困难老年人周探访率 in one week (of a 组 when ``group`` is set)."""

    week: IsoWeek
    done: int
    due: int
    group: int | None = None

    @property
    def rate(self) -> float | None:
        """done / due, or None when nobody was due."""
        return self.done / self.due if self.due else None

    @property
    def percent_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.0f}%"


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One person due for a visit in the week."""

    name: str
    sex: str
    age: int | None
    address: str
    phone: str
    tier: str  # 探访等级 label, e.g. 高风险（每周）
    last_visit: date | None
    due: date
    note: str = ""
