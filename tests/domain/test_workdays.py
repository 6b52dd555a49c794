"""Working-day arithmetic across weekends, configured holidays and adjusted working weekends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jydesk.domain.workdays import CalendarDay, WorkCalendar, shipped_holidays

PLAIN = WorkCalendar()


def test_weekend_is_skipped() -> None:
    friday = date(2025, 3, 7)
    assert PLAIN.add_working_days(friday, 1) == date(2025, 3, 10)  # Monday
    assert PLAIN.add_working_days(friday, 5) == date(2025, 3, 14)
    assert PLAIN.add_working_days(date(2025, 3, 8), 1) == date(2025, 3, 10)  # from a Saturday


def test_ten_working_days_span_two_weekends() -> None:
    # 受理 on Wednesday 2025-03-05: the 10th working day after it is Wednesday 2025-03-19.
    assert PLAIN.add_working_days(date(2025, 3, 5), 10) == date(2025, 3, 19)
    assert PLAIN.add_working_days(date(2025, 3, 5), 0) == date(2025, 3, 5)


def test_configured_holiday_pushes_the_deadline() -> None:
    cal = WorkCalendar([CalendarDay(date(2025, 3, 12), "测试假日")])
    assert not cal.is_working_day(date(2025, 3, 12))
    assert cal.add_working_days(date(2025, 3, 5), 10) == date(2025, 3, 20)
    assert cal.name_of(date(2025, 3, 12)) == "测试假日"


def test_adjusted_working_weekend_counts() -> None:
    cal = WorkCalendar([CalendarDay(date(2025, 3, 8), "调休上班", working=True)])
    assert cal.is_working_day(date(2025, 3, 8))
    assert cal.add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 8)
    assert cal.working_days_between(date(2025, 3, 7), date(2025, 3, 10)) == 2


def test_later_entry_for_the_same_day_wins() -> None:
    cal = WorkCalendar([CalendarDay(date(2025, 3, 12), "假日"), CalendarDay(date(2025, 3, 12), "改为上班", True)])
    assert cal.is_working_day(date(2025, 3, 12))


def test_working_days_between_counts_end_not_start() -> None:
    assert PLAIN.working_days_between(date(2025, 3, 7), date(2025, 3, 10)) == 1
    assert PLAIN.working_days_between(date(2025, 3, 10), date(2025, 3, 10)) == 0
    assert PLAIN.working_days_between(date(2025, 3, 10), date(2025, 3, 7)) == -1


def test_shipped_2026_schedule_national_day_week() -> None:
    cal = WorkCalendar(shipped_holidays())
    # 国庆 10-01..10-07 off, Saturday 10-10 and Sunday 09-20 worked (国务院办公厅 2025-11-04 通知).
    assert not cal.is_working_day(date(2026, 10, 5))
    assert cal.is_working_day(date(2026, 10, 10))
    assert cal.is_working_day(date(2026, 9, 20))
    # 受理 on Wednesday 2026-09-30: the working days after it are 10-08, 10-09, 10-10, 10-12 …
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.add_working_days(date(2026, 9, 30), 10) == date(2026, 10, 20)
    assert all(d.source for d in shipped_holidays())


def test_negative_count_refused() -> None:
    with pytest.raises(ValueError):
        PLAIN.add_working_days(date(2025, 1, 1), -1)


_days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
_calendar_days = st.lists(st.tuples(_days, st.booleans()), max_size=30)


@given(start=_days, n=st.integers(min_value=0, max_value=60), entries=_calendar_days)
def test_add_and_between_agree(start: date, n: int, entries: list[tuple[date, bool]]) -> None:
    cal = WorkCalendar(CalendarDay(d, "x", w) for d, w in entries)
    due = cal.add_working_days(start, n)
    assert cal.working_days_between(start, due) == n
    assert n == 0 or cal.is_working_day(due)


@given(start=_days, span=st.integers(min_value=0, max_value=120), entries=_calendar_days)
def test_between_matches_day_by_day_count(start: date, span: int, entries: list[tuple[date, bool]]) -> None:
    cal = WorkCalendar(CalendarDay(d, "x", w) for d, w in entries)
    end = start + timedelta(days=span)
    expected = sum(cal.is_working_day(start + timedelta(days=i)) for i in range(1, span + 1))
    assert cal.working_days_between(start, end) == expected
