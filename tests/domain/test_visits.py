"""Visit plan rules: ISO weeks, tiers, age on a date, due/overdue/done across week and year ends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jydesk.domain.care import PLAN_RULE, Tier, WeeklyRule, assess
from jydesk.domain.errors import ValidationError
from jydesk.domain.idnumber import age_on
from jydesk.domain.reference_data import DEFAULT_VISIT_POLICY
from jydesk.domain.visits import (
    Coverage,
    IsoWeek,
    VisitStatus,
    due_date,
    urgency_key,
    week_status,
    weeks_ending,
)

W53 = IsoWeek(2026, 53)  # Mon 2026-12-28 .. Sun 2027-01-03
W01 = IsoWeek(2027, 1)  # Mon 2027-01-04 .. Sun 2027-01-10


# ---------------------------------------------------------------- ISO weeks


def test_parse_and_format_round_trip() -> None:
    assert IsoWeek.parse("2026-W05") == IsoWeek(2026, 5)
    assert IsoWeek.parse("2026w5") == IsoWeek(2026, 5)
    assert str(IsoWeek(2026, 5)) == "2026-W05"
    assert str(IsoWeek.parse(" 2027-W01 ")) == "2027-W01"


@pytest.mark.parametrize("text", ["", "2026-05", "W05", "2026-W", "26-W05", "2026-W5a"])
def test_parse_rejects_bad_format_with_chinese_message(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        IsoWeek.parse(text)
    assert err.value.errors[0].field == "week"
    assert "YYYY-Www" in err.value.message


def test_week_53_exists_only_in_long_years() -> None:
    assert IsoWeek.parse("2026-W53").monday == date(2026, 12, 28)  # 2026 starts on a Thursday
    with pytest.raises(ValidationError) as err:
        IsoWeek.parse("2027-W53")
    assert "2027年没有第53周" in err.value.message
    with pytest.raises(ValidationError):
        IsoWeek(2026, 0)


def test_week_bounds_across_the_year_end() -> None:
    assert (W53.monday, W53.sunday) == (date(2026, 12, 28), date(2027, 1, 3))
    assert (W01.monday, W01.sunday) == (date(2027, 1, 4), date(2027, 1, 10))
    assert IsoWeek.of(date(2027, 1, 1)) == W53  # a January day in the previous ISO year
    assert IsoWeek.of(date(2024, 12, 30)) == IsoWeek(2025, 1)  # a December day in the next one
    assert W53.shift(1) == W01 and W01.shift(-1) == W53
    assert IsoWeek(2026, 52).shift(1) == W53
    assert W53.contains(date(2027, 1, 3)) and not W53.contains(date(2027, 1, 4))
    assert W53.label == "2026年第53周（12月28日—1月3日）"


def test_weeks_ending_lists_consecutive_weeks_oldest_first() -> None:
    weeks = weeks_ending(IsoWeek(2027, 2), 4)
    assert [str(w) for w in weeks] == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    assert len({w.monday for w in weeks_ending(W01, 12)}) == 12


# ---------------------------------------------------------------- tiers and age on a date


def test_age_on_a_date_counts_completed_years() -> None:
    birth = date(1946, 12, 30)
    assert age_on(birth, date(2026, 12, 29)) == 79
    assert age_on(birth, date(2026, 12, 30)) == 80
    assert age_on(date(1948, 2, 29), date(2028, 2, 28)) == 79
    assert age_on(date(1948, 2, 29), date(2028, 2, 29)) == 80


def test_weekly_group_is_the_plans_special_difficulty_elderly() -> None:
    # 60+ and any of 独居、孤寡、高龄、重病、残疾、经济特困 (成办发〔2022〕28号)
    for flags in ({"独居"}, {"孤寡"}, {"重病"}, {"经济特困"}, {"重残"}):
        a = assess(flags, 60)
        assert a.tier is Tier.HIGH and "特殊困难老年人" in a.reason, flags
    assert assess(set(), 80).tier is Tier.HIGH  # 高龄 is derived from age alone
    assert assess(set(), 70, disability_grade=4).tier is Tier.HIGH  # 残疾: any grade
    assert assess(set(), 70, disability_grade=2).tier is Tier.HIGH
    # the other tiers stay as they were
    assert assess({"失能"}, 70).tier is Tier.FOCUS
    assert assess({"空巢"}, 60).tier is Tier.GENERAL
    assert assess({"留守"}, 75).tier is Tier.GENERAL
    assert assess({"重病"}, 59).tier is Tier.NONE
    assert assess({"独居"}, 59).tier is Tier.NONE
    assert assess(set(), 79).tier is Tier.NONE
    assert assess(set(), 59, disability_grade=1).tier is Tier.NONE


def test_the_city_can_change_the_weekly_rule() -> None:
    rule = WeeklyRule.from_policy({"min_age": 65, "any_of": ["独居", "失能"]})
    assert assess({"失能"}, 70, rule=rule).tier is Tier.HIGH
    assert assess({"独居"}, 62, rule=rule).tier is Tier.FOCUS  # under 65: the monthly tier as before
    assert assess({"重病"}, 70, rule=rule).tier is Tier.FOCUS
    assert WeeklyRule.from_policy(DEFAULT_VISIT_POLICY) == PLAN_RULE


def test_turning_80_moves_a_person_into_the_weekly_group() -> None:
    birth = date(1946, 12, 30)
    flags = {"失能"}
    assert assess(flags, age_on(birth, W53.monday)).tier is Tier.FOCUS
    assert assess(flags, age_on(birth, W53.sunday)).tier is Tier.HIGH


def test_override_wins_and_carries_its_reason() -> None:
    a = assess({"空巢"}, 62, override="high", override_reason="子女外出务工，近期跌倒")
    assert a.tier is Tier.HIGH and a.overridden and "近期跌倒" in a.reason
    assert assess({"重病"}, 90, override="general", override_reason="已入住养老院").tier is Tier.GENERAL
    # an override also brings someone under 60 into the plan
    assert assess(set(), 45, override="focus", override_reason="重度精神障碍独居").tier is Tier.FOCUS


# ---------------------------------------------------------------- due / overdue / done


def test_weekly_person_is_due_every_week_and_done_when_visited() -> None:
    week = IsoWeek(2026, 20)
    last = week.monday - timedelta(days=1)  # visited last Sunday
    st = week_status(Tier.HIGH, week, last)
    assert st.status is VisitStatus.DUE and st.due_in_week
    assert st.due_on == last + timedelta(days=7)
    # even a visit on the previous Monday leaves them due again this week
    assert week_status(Tier.HIGH, week, week.monday - timedelta(days=7)).status is VisitStatus.DUE
    done = week_status(Tier.HIGH, week, last, visited_on=week.monday + timedelta(days=2))
    assert done.status is VisitStatus.DONE and done.due_in_week and not done.pending


def test_weekly_person_missing_a_week_is_overdue() -> None:
    week = IsoWeek(2026, 20)
    st = week_status(Tier.HIGH, week, week.monday - timedelta(days=8))
    assert st.status is VisitStatus.OVERDUE and st.pending
    assert st.due_on == week.monday - timedelta(days=1)


def test_never_visited_is_due_not_overdue() -> None:
    for tier in (Tier.HIGH, Tier.FOCUS, Tier.GENERAL):
        st = week_status(tier, W53, None)
        assert st.status is VisitStatus.DUE and st.due_on == W53.monday


def test_monthly_follows_calendar_months() -> None:
    week = IsoWeek(2026, 20)  # 2026-05-11 .. 2026-05-17
    assert week_status(Tier.FOCUS, week, date(2026, 5, 4)).status is VisitStatus.NOT_DUE  # May is covered
    st = week_status(Tier.FOCUS, week, date(2026, 4, 30))  # April's visit does not cover May
    assert st.status is VisitStatus.DUE and st.due_on == date(2026, 5, 1)
    assert week_status(Tier.FOCUS, week, date(2026, 3, 31)).status is VisitStatus.OVERDUE  # April was missed
    # a week across two months: due once the new month starts inside it
    w = IsoWeek.of(date(2027, 1, 31))  # 2027-01-25 .. 2027-01-31
    assert week_status(Tier.FOCUS, w, date(2027, 1, 4)).status is VisitStatus.NOT_DUE
    w = IsoWeek.of(date(2027, 2, 1))  # 2027-02-01 .. 2027-02-07
    assert week_status(Tier.FOCUS, w, date(2027, 1, 31)).status is VisitStatus.DUE


def test_a_visit_on_31_january_does_not_cover_february() -> None:
    for week in (IsoWeek.of(date(2027, 2, 1)), IsoWeek.of(date(2027, 2, 22))):
        st = week_status(Tier.FOCUS, week, date(2027, 1, 31))
        assert st.status is VisitStatus.DUE and st.due_on == date(2027, 2, 1)
    assert week_status(Tier.FOCUS, IsoWeek.of(date(2027, 3, 1)), date(2027, 1, 31)).status is VisitStatus.OVERDUE


def test_quarterly_follows_calendar_quarters() -> None:
    week = IsoWeek(2026, 20)
    assert week_status(Tier.GENERAL, week, date(2026, 4, 1)).status is VisitStatus.NOT_DUE  # Q2 covered
    st = week_status(Tier.GENERAL, week, date(2026, 3, 31))
    assert st.status is VisitStatus.DUE and st.due_on == date(2026, 4, 1)
    assert week_status(Tier.GENERAL, week, date(2025, 12, 31)).status is VisitStatus.OVERDUE  # Q1 missed
    assert due_date(Tier.GENERAL, date(2026, 11, 15), None, week) == date(2027, 1, 1)


def test_planned_next_visit_brings_the_due_date_forward_only() -> None:
    week = IsoWeek(2026, 20)
    last = week.monday - timedelta(days=3)
    assert week_status(Tier.FOCUS, week, last).status is VisitStatus.NOT_DUE
    early = week_status(Tier.FOCUS, week, last, planned_next=week.monday + timedelta(days=1))
    assert early.status is VisitStatus.DUE and early.due_on == week.monday + timedelta(days=1)
    late = due_date(Tier.FOCUS, last, last + timedelta(days=60), week)
    assert late == date(2026, 6, 1)


def test_extra_visit_is_done_but_not_due() -> None:
    week = IsoWeek(2026, 20)
    st = week_status(Tier.GENERAL, week, week.monday - timedelta(days=10), visited_on=week.monday)
    assert st.status is VisitStatus.DONE and not st.due_in_week


def test_year_boundary_weekly() -> None:
    # visited Friday 2027-01-01: inside 2026-W53, so W53 is done and W01 is due (not overdue)
    assert week_status(Tier.HIGH, W53, date(2026, 12, 24), visited_on=date(2027, 1, 1)).status is VisitStatus.DONE
    assert week_status(Tier.HIGH, W01, date(2027, 1, 1)).status is VisitStatus.DUE
    # visited in 2026-W52 and not in W53: overdue in 2027-W01
    st = week_status(Tier.HIGH, W01, date(2026, 12, 24))
    assert st.status is VisitStatus.OVERDUE and st.due_on == date(2026, 12, 31)


def test_year_boundary_monthly() -> None:
    # 2026-W53 (12-28 .. 2027-01-03) reaches into January: a December visit leaves January due
    st = week_status(Tier.FOCUS, W53, date(2026, 12, 5))
    assert st.status is VisitStatus.DUE and st.due_on == date(2027, 1, 1)
    assert week_status(Tier.FOCUS, W01, date(2026, 12, 5)).status is VisitStatus.DUE
    assert week_status(Tier.FOCUS, W01, date(2026, 11, 30)).status is VisitStatus.OVERDUE  # December missed


def test_inputs_outside_their_window_are_refused() -> None:
    with pytest.raises(ValueError):
        week_status(Tier.HIGH, W01, W01.monday)  # last visit must be before the week
    with pytest.raises(ValueError):
        week_status(Tier.HIGH, W01, None, visited_on=W53.sunday)
    with pytest.raises(ValueError):
        due_date(Tier.NONE, None, None, W01)


def test_urgency_order() -> None:
    rows = [
        ("c", VisitStatus.DUE, Tier.FOCUS, date(2026, 4, 1)),
        ("a", VisitStatus.DUE, Tier.HIGH, date(2026, 5, 8)),
        ("b", VisitStatus.DUE, Tier.HIGH, date(2026, 5, 6)),
        ("d", VisitStatus.OVERDUE, Tier.GENERAL, date(2026, 1, 1)),
        ("e", VisitStatus.DUE, Tier.HIGH, None),
        ("f", VisitStatus.DONE, Tier.HIGH, date(2026, 5, 12)),
    ]
    ordered = sorted(rows, key=lambda r: urgency_key(r[1], r[2], r[3], r[0]))
    assert [r[0] for r in ordered] == ["d", "e", "b", "a", "c", "f"]


def test_coverage_rate() -> None:
    assert Coverage(W01, 3, 4).rate == 0.75
    assert Coverage(W01, 3, 4).percent_text == "75%"
    assert Coverage(W01, 0, 0).rate is None and Coverage(W01, 0, 0).percent_text == "—"
