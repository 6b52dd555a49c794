"""特殊困难老年人周探访率: the plan's indicator (成办发〔2022〕28号, target 100%) — of the
weekly group (the city's rule, ``jydesk.domain.care.WeeklyRule``), the share visited in each
ISO week; overall and per 组, for the last weeks, with the people not yet visited this week.

A weekly person is due in every week they belong to the group (their age at the week's
Sunday), so a week's figure needs only who belongs and whose visit falls inside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from jydesk.domain.care import Tier
from jydesk.domain.visits import Coverage, IsoWeek, weeks_ending
from jydesk.store.sql_values import as_date
from jydesk.store.visits.due import (
    FlagCache,
    age_at,
    candidate_params,
    candidates_sql,
    raw_rows,
    weekly_rule,
)
from jydesk.store.visits.plans import assess_cached

_CANDIDATES_SQL = candidates_sql()
_VISITS_SQL = ("SELECT person_id, visited_on FROM visits WHERE deleted = 0 AND visited_on >= :first "
               "AND visited_on <= :last")


@dataclass(frozen=True, slots=True)
class Pending:
    """A weekly-group person not visited yet in the week."""

    person_id: str
    name: str
    group_no: int | None
    address: str
    phone: str
    age: int | None
    reason: str
    last_visit: date | None  # latest visit within the weeks counted (None: none in them)


@dataclass(slots=True)
class WeeklyCoverage:
    """``history``: the rate per week, oldest first; ``groups``: the same per 组 (None: no 组);
    ``pending``: who of the group is not visited yet in the last week, by 组 and name."""

    history: list[Coverage]
    groups: dict[int | None, list[Coverage]] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)

    def pending_in(self, group: int | None) -> list[Pending]:
        return [p for p in self.pending if p.group_no == group]


def weekly_coverage(session: Session, end_week: IsoWeek | str, count: int = 12) -> WeeklyCoverage:
    """The weekly group's 周探访率 for ``count`` weeks ending with ``end_week``."""
    end_week = IsoWeek.parse(end_week) if isinstance(end_week, str) else end_week
    weeks = weeks_ending(end_week, count)
    rule = weekly_rule(session)
    rows = raw_rows(session, _CANDIDATES_SQL, candidate_params(end_week.sunday, rule))
    first = weeks[0].monday
    visits: dict[str, list[date]] = defaultdict(list)
    for pid, day in raw_rows(session, _VISITS_SQL, {"first": first.isoformat(), "last": end_week.sunday.isoformat()}):
        visits[pid].append(date.fromisoformat(day))
    flags = FlagCache()
    by_group: dict[int | None, list[list[int]]] = {}  # 组 -> [done per week, due per week]
    pending: list[Pending] = []
    always: dict[int | None, int] = defaultdict(int)
    for r in rows:
        birth = as_date(r[3])
        key = (flags[r[4]], r[5], r[6], r[7], rule)
        # Tiers only rise with age: in the group at the first week means in it at every week.
        if assess_cached(key[0], age_at(birth, end_week.sunday), *key[1:]).tier is not Tier.HIGH:
            continue
        days = visits.get(r[0], ())
        seen = {(d - first).days // 7 for d in days}
        done, due = by_group.setdefault(r[10], [[0] * count, [0] * count])
        if assess_cached(key[0], age_at(birth, weeks[0].sunday), *key[1:]).tier is Tier.HIGH:
            always[r[10]] += 1  # due in every week
            for i in seen:
                done[i] += 1
        else:
            for i, week in enumerate(weeks):
                if assess_cached(key[0], age_at(birth, week.sunday), *key[1:]).tier is Tier.HIGH:
                    due[i] += 1
                    done[i] += i in seen
        if count - 1 not in seen:
            a = assess_cached(key[0], age_at(birth, end_week.sunday), *key[1:])
            before = [d for d in days if d < end_week.monday]
            pending.append(Pending(r[0], r[1], r[10], r[9] or "", r[8] or r[11] or "", age_at(birth, end_week.sunday),
                                   a.reason, max(before, default=None)))
    pending.sort(key=lambda p: (p.group_no is None, p.group_no or 0, p.address, p.name, p.person_id))
    for g, n in always.items():
        by_group[g][1] = [d + n for d in by_group[g][1]]
    groups = {g: [Coverage(w, c[0][i], c[1][i], g) for i, w in enumerate(weeks)]
              for g, c in sorted(by_group.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))}
    history = [Coverage(w, sum(c[0][i] for c in by_group.values()), sum(c[1][i] for c in by_group.values()))
               for i, w in enumerate(weeks)]
    return WeeklyCoverage(history, groups, pending)


def coverage_history(session: Session, end_week: IsoWeek | str, count: int = 12) -> list[Coverage]:
    """特殊困难老年人周探访率 for ``count`` weeks ending with ``end_week``, oldest first."""
    return weekly_coverage(session, end_week, count).history


def coverage(session: Session, week: IsoWeek | str) -> Coverage:
    """This week's 特殊困难老年人周探访率 (done / due)."""
    return coverage_history(session, week, 1)[0]
