"""Deadlines across years: the shipped 2025 notice, and 2027 (not published yet) counted as
approximate until the city sends its table."""

from __future__ import annotations

from datetime import date

from jydesk.domain.case_deadlines import deadline, deadline_text
from jydesk.domain.case_facts import CaseFacts
from jydesk.domain.entities import CaseStatus
from jydesk.domain.reference_data import holiday_days
from jydesk.domain.workdays import WorkCalendar, next_year_warning, shipped_holidays

SHIPPED = WorkCalendar(shipped_holidays())
# A 2027 table as the city would send it (test data, not the official notice: 春节 falls on 2027-02-06).
TABLE_2027 = [["2027-01-01", "元旦", False], ["2027-02-06", "春节调休上班", True],
              *[[f"2027-02-{d:02d}", "春节", False] for d in range(7, 16)],
              ["2027-02-20", "春节调休上班", True]]
WITH_2027 = WorkCalendar([*shipped_holidays(), *holiday_days(2027, TABLE_2027)])


def test_2025_national_day_is_in_the_shipped_table() -> None:
    # 受理 Friday 2025-09-26: 9-28 (Sunday worked), 9-29, 9-30, 10-9, 10-10, 10-11 (Saturday worked), 10-13 … 10-16
    assert SHIPPED.add_working_days(date(2025, 9, 26), 10) == date(2025, 10, 16)
    facts = CaseFacts("dibao", CaseStatus.ACCEPTED, accepted_on=date(2025, 9, 26))
    dl = deadline(facts, SHIPPED)
    assert dl is not None and dl.due == date(2025, 10, 16) and dl.approximate == ""
    assert SHIPPED.add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)  # 春节 调休 Sunday
    assert not SHIPPED.is_working_day(date(2025, 5, 5))
    assert SHIPPED.years == frozenset({2025, 2026})


def test_deadline_across_2027_spring_festival_is_approximate_without_the_table() -> None:
    facts = CaseFacts("dibao", CaseStatus.PUBLICITY, accepted_on=date(2027, 1, 20))
    rough = deadline(facts, SHIPPED)
    assert rough is not None and rough.due == date(2027, 3, 3)  # 30 weekdays, 春节 unknown
    assert "2027年节假日安排尚未公布" in rough.approximate
    text = deadline_text(rough, date(2027, 1, 25), SHIPPED)
    assert text.startswith("审核确认 约2027-03-03") and "可能偏早" in text
    exact = deadline(facts, WITH_2027)
    # six weekdays off (2-8 … 2-12, 2-15) less two Saturdays worked: four working days later
    assert exact is not None and exact.due == date(2027, 3, 9) and exact.approximate == ""
    assert "约" not in deadline_text(exact, date(2027, 1, 25), WITH_2027)


def test_a_deadline_only_crossing_into_an_unknown_year_is_approximate() -> None:
    facts = CaseFacts("dibao", CaseStatus.ACCEPTED, accepted_on=date(2026, 12, 24))
    dl = deadline(facts, SHIPPED)
    assert dl is not None and dl.due.year == 2027 and dl.approximate
    inside = deadline(CaseFacts("dibao", CaseStatus.ACCEPTED, accepted_on=date(2026, 12, 1)), SHIPPED)
    assert inside is not None and inside.due == date(2026, 12, 15) and inside.approximate == ""
    assert SHIPPED.missing_years(date(2026, 12, 31), date(2026, 12, 31)) == []
    assert SHIPPED.missing_years(date(2026, 12, 31), date(2028, 1, 3)) == [2027, 2028]


def test_next_year_warning_from_the_first_of_december() -> None:
    assert next_year_warning(SHIPPED, date(2026, 11, 30)) == ""
    assert "2027年节假日安排" in next_year_warning(SHIPPED, date(2026, 12, 1))
    assert next_year_warning(WITH_2027, date(2026, 12, 1)) == ""
    assert next_year_warning(SHIPPED, date(2025, 12, 31)) == ""  # 2026 is shipped
