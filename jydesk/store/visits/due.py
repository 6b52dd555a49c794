"""The due list of a week (who is due, overdue or visited) and the printed roster, read with
raw SQL on the hot path; the weekly rule comes from the city's reference data."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jydesk.domain.care import OLDEST_OLD_AGE, TARGET_AGE, CareAssessment, Tier, WeeklyRule
from jydesk.domain.visits import (
    IsoWeek,
    RosterRow,
    VisitStatus,
    WeekStatus,
    tier_label,
    urgency_key,
    week_status,
)
from jydesk.store.models import FollowUp, Installation
from jydesk.store.reference import visit_policy
from jydesk.store.sql_values import as_date
from jydesk.store.visits.follow_ups import FOLLOW_UP_OPEN
from jydesk.store.visits.plans import assess_cached

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DueItem:
    """One person on the visit list of a week."""

    person_id: str
    name: str
    sex: str | None
    age: int | None
    tier: Tier
    tier_reason: str
    overridden: bool
    address: str
    group_no: int | None
    phone: str
    week_status: WeekStatus
    days_since_last: int | None  # on the reference day (today, within the week)
    days_overdue: int  # overdue: days from the due date to the week's Monday; else 0
    open_follow_ups: int

    @property
    def status(self) -> VisitStatus:
        return self.week_status.status

    @property
    def due_in_week(self) -> bool:
        return self.week_status.due_in_week

    @property
    def last_visit(self) -> date | None:
        """The latest visit before the reference day (inside the week or before it)."""
        return self.week_status.visited_on or self.week_status.last_visit

    @property
    def tier_label(self) -> str:
        return tier_label(self.tier)


def age_at(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def weekly_rule(session: Session) -> WeeklyRule:
    """Who is visited weekly: the city's rule as pulled (read on every call: used at once)."""
    return WeeklyRule.from_policy(visit_policy(session))


# Raw SQL on the hot path (100k people, ~20k candidates; benchmarks/bench_visits.py): the
# people who may have a visit tier (over-inclusive; ``assess`` decides) — those with a care
# flag, a disability or an override, and those old enough for 高龄 without any — read from the
# covering partial indexes ix_persons_care / ix_persons_aged and ix_households_visit (0009),
# each with the latest visit before the week (and its 下次探访日期) from the covering partial
# index ix_visits_live (person_id, visited_on, next_visit_on); visits inside the week separately.
CANDIDATE_COLUMNS = (
    "p.id, p.name, p.sex, p.birth_date, p.care_flags, p.disability_grade, p.visit_tier_override, "
    "p.visit_tier_override_reason, p.phone, h.address, h.group_no, h.phone")
#: Must repeat the WHERE of the partial indexes of migration 0009 word for word.
CARE_INDEX_WHERE = ("p.deleted = 0 AND (p.care_flags NOT IN ('[]', 'null') OR p.disability_grade IS NOT NULL "
                    "OR p.visit_tier_override IS NOT NULL)")
AGED_INDEX_WHERE = ("p.deleted = 0 AND coalesce(p.care_flags, '[]') IN ('[]', 'null') AND p.disability_grade IS NULL "
                    "AND p.visit_tier_override IS NULL")
_JOIN = "FROM persons p LEFT JOIN households h ON h.id = p.household_id"


def candidates_sql(extra_columns: str = "") -> str:
    """The candidates (two index scans, UNION ALL) with ``extra_columns`` after the usual ones."""
    cols = CANDIDATE_COLUMNS + (f", {extra_columns}" if extra_columns else "")
    return (f"SELECT {cols} {_JOIN} WHERE {CARE_INDEX_WHERE} AND (p.visit_tier_override IS NOT NULL "
            f"OR p.birth_date <= :young) UNION ALL SELECT {cols} {_JOIN} WHERE {AGED_INDEX_WHERE} "
            "AND p.birth_date <= :old")


_DUE_SQL = candidates_sql(
    "(SELECT v.visited_on || ' ' || coalesce(v.next_visit_on, '') FROM visits v WHERE v.person_id = p.id "
    "AND v.deleted = 0 AND v.visited_on < :mon ORDER BY v.visited_on DESC LIMIT 1)")
#: The latest visit inside the week per person (a few hundred rows, by the visited_on index).
_IN_WEEK_SQL = ("SELECT person_id, max(visited_on) FROM visits WHERE deleted = 0 AND visited_on >= :mon "
                "AND visited_on <= :sun GROUP BY person_id")


def candidate_params(latest: date, rule: WeeklyRule) -> dict[str, str]:
    """The age bounds of ``candidates_sql`` for ages on ``latest``."""
    young = _years_before(latest, min(TARGET_AGE, rule.min_age))
    return {"young": young.isoformat(), "old": _years_before(latest, OLDEST_OLD_AGE).isoformat()}


class FlagCache(dict[str, tuple[str, ...]]):
    """Parsed care flags by their stored JSON text (a village has few distinct combinations)."""

    def __missing__(self, raw: str) -> tuple[str, ...]:
        try:
            value = orjson.loads(raw or "[]")
        except orjson.JSONDecodeError:
            log.warning("关爱标记无法读取：%r", raw)
            value = []
        flags = tuple(sorted(str(f) for f in value)) if isinstance(value, list) else ()
        self[raw] = flags
        return flags


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _open_follow_up_counts(session: Session) -> dict[str, int]:
    stmt = (select(FollowUp.person_id, func.count())
            .where(FollowUp.deleted.is_(False), FollowUp.status == FOLLOW_UP_OPEN)
            .group_by(FollowUp.person_id))
    return {pid: n for pid, n in session.execute(stmt)}


def _reference_day(week: IsoWeek, today: date) -> date:
    return min(max(today, week.monday), week.sunday)


def due_list(session: Session, week: IsoWeek | str, today: date, *, include_extra: bool = True,
             include_not_due: bool = False) -> list[DueItem]:
    """Everyone due, overdue or visited in ``week``, most urgent first.

    ``include_extra``: also list people visited in the week who were not due (extra visits);
    ``include_not_due``: list everyone with a visit plan (status 未到期 for those not due).
    ``today`` gives the reference day for "days since the last visit".
    """
    week = IsoWeek.parse(week) if isinstance(week, str) else week
    ref = _reference_day(week, today)
    rule = weekly_rule(session)
    sunday, monday = week.sunday, week.monday
    params = {**candidate_params(sunday, rule), "mon": monday.isoformat(), "sun": sunday.isoformat()}
    rows = raw_rows(session, _DUE_SQL, params)
    in_week = dict(raw_rows(session, _IN_WEEK_SQL, {"mon": params["mon"], "sun": params["sun"]}))
    follow_ups = _open_follow_up_counts(session)
    flags = FlagCache()
    keyed: list[tuple[tuple[int, int, int, int, str], DueItem]] = []
    assessed: dict[tuple[Any, ...], CareAssessment] = {}  # per call: the rule is fixed
    for r in rows:
        age = age_at(as_date(r[3]), sunday)
        key = (r[4], age, r[5], r[6], r[7])
        a = assessed.get(key)
        if a is None:
            a = assessed[key] = assess_cached(flags[r[4]], age, r[5], r[6], r[7], rule)
        if a.tier is Tier.NONE:
            continue
        before = r[12]
        last = planned = None
        if before:
            last = date.fromisoformat(before[:10])
            planned = _day(before[11:])
        st = week_status(a.tier, week, last, planned_next=planned, visited_on=_day(in_week.get(r[0])))
        if not (include_not_due or st.due_in_week or (include_extra and st.visited_on)):
            continue
        seen = st.visited_on if st.visited_on and st.visited_on <= ref else st.last_visit
        keyed.append((urgency_key(st.status, a.tier, last, r[1]), DueItem(
            r[0], r[1], r[2], age, a.tier, a.reason, a.overridden, r[9] or "", r[10], r[8] or r[11] or "", st,
            (ref - seen).days if seen else None,
            (monday - st.due_on).days if st.status is VisitStatus.OVERDUE else 0, follow_ups.get(r[0], 0))))
    keyed.sort(key=itemgetter(0))
    return [item for _key, item in keyed]


def raw_rows(session: Session, sql: str, params: dict[str, str]) -> list[tuple[Any, ...]]:
    """Rows of a read-only query straight from the sqlite3 cursor (no Row objects on the hot path)."""
    return session.connection().connection.driver_connection.execute(sql, params).fetchall()  # type: ignore[union-attr]


def due_roster(session: Session, week: str | IsoWeek) -> list[RosterRow]:
    """本周探访名单: exactly the people due in ``week`` (as ``jydesk.domain.visits.RosterRow``),
    ordered by 组 and address so the clerk can walk the village."""
    week = IsoWeek.parse(week) if isinstance(week, str) else week
    items = [i for i in due_list(session, week, week.monday, include_extra=False) if i.due_in_week]
    items.sort(key=lambda i: (i.group_no is None, i.group_no or 0, i.address, i.name, i.person_id))
    rows = []
    for i in items:
        notes = []
        st = i.week_status
        if st.status is VisitStatus.OVERDUE:
            notes.append(f"已超期{i.days_overdue}天")
        elif st.last_visit is None:
            notes.append("从未探访")
        if st.visited_on:
            notes.append(f"已于{st.visited_on.month}月{st.visited_on.day}日探访")
        if i.open_follow_ups:
            notes.append(f"{i.open_follow_ups}项待跟进")
        rows.append(RosterRow(name=i.name, sex=i.sex or "", age=i.age, address=i.address, phone=i.phone,
                             tier=i.tier_label, last_visit=st.last_visit, due=st.due_on, note="；".join(notes)))
    return rows


def village_name(session: Session) -> str:
    return session.execute(select(Installation.village_name)).scalar() or ""
