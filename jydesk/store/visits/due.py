"""The due list of a week (who is due, overdue or visited), the printed roster and the
探访率 coverage of the high-risk group, read with raw SQL on the hot path."""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jydesk.domain.care import CareAssessment, Tier
from jydesk.domain.visits import (
    Coverage,
    IsoWeek,
    RosterRow,
    VisitStatus,
    WeekStatus,
    tier_label,
    urgency_key,
    week_status,
    weeks_ending,
)
from jydesk.store.models import FollowUp, Installation
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


@dataclass(slots=True)
class _Candidate:
    person_id: str
    name: str
    sex: str | None
    birth_date: date | None
    flags: tuple[str, ...]
    grade: int | None
    override: str | None
    override_reason: str | None
    address: str
    group_no: int | None
    phone: str

    def assessment(self, on: date) -> CareAssessment:
        return assess_cached(self.flags, _age(self.birth_date, on), self.grade, self.override,
                             self.override_reason)


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# Raw SQL on the hot path: 100k people, ~20k in the target group (see benchmarks/bench_visits.py).
_CANDIDATES_SQL = (
    "SELECT p.id, p.name, p.sex, p.birth_date, p.care_flags, p.disability_grade, p.visit_tier_override, "
    "p.visit_tier_override_reason, p.phone, h.address, h.group_no, h.phone "
    "FROM persons p LEFT JOIN households h ON h.id = p.household_id "
    "WHERE p.deleted = 0 AND (p.visit_tier_override IS NOT NULL OR (p.birth_date <= ? AND ("
    "p.care_flags NOT IN ('[]', 'null') OR p.disability_grade IN (1, 2) OR p.birth_date <= ?)))"
)


def _parse_flags(raw: str) -> tuple[str, ...]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        log.warning("关爱标记无法读取：%r", raw)
        return ()
    return tuple(sorted(str(f) for f in value)) if isinstance(value, list) else ()


def _candidates(session: Session, latest: date) -> list[_Candidate]:
    """People who may have a visit tier on some day up to ``latest`` (over-inclusive; assess decides)."""
    rows = session.connection().exec_driver_sql(
        _CANDIDATES_SQL, (_years_before(latest, 60).isoformat(), _years_before(latest, 80).isoformat())).all()
    flag_cache: dict[str, tuple[str, ...]] = {}
    result = []
    for r in rows:
        raw_flags = r[4] or "[]"
        flags = flag_cache.get(raw_flags)
        if flags is None:
            flags = flag_cache[raw_flags] = _parse_flags(raw_flags)
        result.append(_Candidate(r[0], r[1], r[2], as_date(r[3]), flags, r[5], r[6], r[7], r[9] or "", r[10],
                                 r[8] or r[11] or ""))
    return result


@dataclass(slots=True)
class _History:
    """One person's visits: dates ascending and the 下次探访日期 recorded on each."""

    days: list[date] = field(default_factory=list)
    planned: list[date | None] = field(default_factory=list)

    def status(self, tier: Tier, week: IsoWeek) -> WeekStatus:
        before = bisect_left(self.days, week.monday)
        inside = bisect_right(self.days, week.sunday)
        last = self.days[before - 1] if before else None
        planned = self.planned[before - 1] if before else None
        visited = self.days[inside - 1] if inside > before else None
        return week_status(tier, week, last, planned_next=planned, visited_on=visited)


_NO_VISITS = _History()


def _histories(session: Session, until: date, person_ids: set[str] | None = None) -> dict[str, _History]:
    rows = session.connection().exec_driver_sql(
        "SELECT person_id, visited_on, next_visit_on FROM visits WHERE deleted = 0 AND visited_on <= ? "
        "ORDER BY person_id, visited_on", (until.isoformat(),)).all()
    result: dict[str, _History] = {}
    for pid, day, planned in rows:
        if person_ids is not None and pid not in person_ids:
            continue
        h = result.get(pid)
        if h is None:
            h = result[pid] = _History()
        h.days.append(date.fromisoformat(day))
        h.planned.append(as_date(planned))
    return result


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
    candidates = _candidates(session, week.sunday)
    histories = _histories(session, week.sunday, {c.person_id for c in candidates})
    follow_ups = _open_follow_up_counts(session)
    items: list[DueItem] = []
    for c in candidates:
        a = c.assessment(week.sunday)
        if a.tier is Tier.NONE:
            continue
        st = histories.get(c.person_id, _NO_VISITS).status(a.tier, week)
        if not (include_not_due or st.due_in_week or (include_extra and st.visited_on)):
            continue
        seen = st.visited_on if st.visited_on and st.visited_on <= ref else st.last_visit
        items.append(DueItem(
            c.person_id, c.name, c.sex, _age(c.birth_date, week.sunday), a.tier, a.reason, a.overridden,
            c.address, c.group_no, c.phone, st, (ref - seen).days if seen else None,
            (week.monday - st.due_on).days if st.status is VisitStatus.OVERDUE else 0,
            follow_ups.get(c.person_id, 0)))
    items.sort(key=lambda i: urgency_key(i.status, i.tier, i.week_status.last_visit, i.name))
    return items


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


def coverage_history(session: Session, end_week: IsoWeek | str, count: int = 12) -> list[Coverage]:
    """探访率 of the high-risk group for ``count`` weeks ending with ``end_week``, oldest first."""
    end_week = IsoWeek.parse(end_week) if isinstance(end_week, str) else end_week
    weeks = weeks_ending(end_week, count)
    # Tiers only rise with age, so whoever is high-risk in an earlier week is high-risk at the end.
    candidates = [c for c in _candidates(session, end_week.sunday)
                  if c.assessment(end_week.sunday).tier is Tier.HIGH]
    histories = _histories(session, end_week.sunday, {c.person_id for c in candidates})
    result = []
    for week in weeks:
        done = due = 0
        for c in candidates:
            if c.assessment(week.sunday).tier is not Tier.HIGH:
                continue
            st = histories.get(c.person_id, _NO_VISITS).status(Tier.HIGH, week)
            if st.due_in_week:
                due += 1
                done += st.status is VisitStatus.DONE
        result.append(Coverage(week, done, due))
    return result


def coverage(session: Session, week: IsoWeek | str) -> Coverage:
    """This week's 探访率 of the high-risk group (done / due)."""
    return coverage_history(session, week, 1)[0]
