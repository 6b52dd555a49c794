"""Home visits over the local store: plans, the due list, recording visits, follow-ups, coverage.

The rules (ISO weeks, due/overdue/done) are in :mod:`jydesk.domain.visits`; tiers in
:mod:`jydesk.domain.care`. A person's plan uses their CURRENT care flags and override with
their age at the END of the week concerned (someone turning 80 during a week counts as 80+
for that week). Only ``store.write(actor)`` writes: a visit, its follow-up items and its photo
links are saved in one transaction (rows + audit + outbox).
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jydesk.domain.care import CareAssessment, Tier, age_from_birth, assess, validate_override
from jydesk.domain.entities import Entity
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FormDefinition, get_definition
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
from jydesk.store.cases import prefill_context
from jydesk.store.database import Store
from jydesk.store.models import FollowUp, Installation, Person, Visit
from jydesk.store.unit_of_work import Actor

log = logging.getLogger(__name__)

FOLLOW_UP_OPEN = "未办结"
FOLLOW_UP_CLOSED = "已办结"
FOLLOW_UP_MAX = 500
# Keys of the visit form kept in the visits table's columns; the others go to its JSON data.
VISIT_COLUMNS = ("person_id", "visited_on", "method", "visitors", "next_visit_on", "follow_up_needed")


# ---------------------------------------------------------------- plans


@lru_cache(maxsize=4096)
def _assess_cached(flags: tuple[str, ...], age: int | None, grade: int | None, override: str | None,
                   reason: str | None) -> CareAssessment:
    return assess(set(flags), age, disability_grade=grade, override=override, override_reason=reason)


def assess_person(flags: Iterable[str] | None, birth_date: date | None, on: date, *, disability_grade: int | None = None,
                  override: str | None = None, override_reason: str | None = None) -> CareAssessment:
    """The visit tier of one person on ``on`` (age from the birth date in the 身份证号)."""
    return _assess_cached(tuple(sorted(flags or ())), age_from_birth(birth_date, on), disability_grade,
                          override or None, override_reason)


@dataclass(frozen=True, slots=True)
class VisitPlan:
    """Who, how often and why."""

    person_id: str
    name: str
    age: int | None
    assessment: CareAssessment
    override: str | None
    override_reason: str | None
    by_rule: CareAssessment  # the tier the rules give, without the clerk's override

    @property
    def tier(self) -> Tier:
        return self.assessment.tier

    @property
    def label(self) -> str:
        return tier_label(self.tier)


def visit_plan(session: Session, person_id: str, on: date) -> VisitPlan:
    """The plan of one person on a date; LookupError if there is no such person."""
    p = session.get(Person, person_id)
    if p is None or p.deleted:
        raise LookupError(f"人员 {person_id} 不存在")
    assessment = assess_person(p.care_flags, p.birth_date, on, disability_grade=p.disability_grade,
                               override=p.visit_tier_override, override_reason=p.visit_tier_override_reason)
    by_rule = assess_person(p.care_flags, p.birth_date, on, disability_grade=p.disability_grade)
    return VisitPlan(p.id, p.name, age_from_birth(p.birth_date, on), assessment, p.visit_tier_override,
                     p.visit_tier_override_reason, by_rule)


def set_plan_override(store: Store, actor: Actor, person_id: str, tier: str | None, reason: str | None) -> None:
    """Set (or with ``tier=None`` clear) a clerk's override of one person's visit tier.

    A reason is required and both values are audited by the unit of work (old -> new).
    """
    tier = tier or None
    reason = (reason or "").strip() or None
    validate_override(tier, reason)
    if reason and len(reason) > 200:
        raise ValidationError(FieldError("visit_tier_override_reason", "调整理由不能超过200个字"))
    with store.write(actor) as w:
        person = w.session.get(Person, person_id)
        if person is None or person.deleted:
            raise ValidationError(FieldError("person_id", "该人员不存在或已删除", "missing"))
        if tier is None:
            reason = None
        if person.visit_tier_override != tier:
            person.visit_tier_override = tier
        if person.visit_tier_override_reason != reason:
            person.visit_tier_override_reason = reason


# ---------------------------------------------------------------- the due list


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
        return _assess_cached(self.flags, _age(self.birth_date, on), self.grade, self.override,
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


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


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
        result.append(_Candidate(r[0], r[1], r[2], _as_date(r[3]), flags, r[5], r[6], r[7], r[9] or "", r[10],
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
        h.planned.append(_as_date(planned))
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


# ---------------------------------------------------------------- the printed roster


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


# ---------------------------------------------------------------- visit sheets for printing

SheetItem = tuple[FormDefinition, dict[str, Any] | None, str]


def filled_sheets(store: Store, week: IsoWeek | str) -> list[SheetItem]:
    """The visit sheets of every visit recorded in ``week`` (for signatures and filing)."""
    from jydesk.store.form_context import visit_print_item  # builds on this module

    with store.read() as s:
        ids = [v.id for v in visits_in_week(s, week)]
    return [visit_print_item(store, vid).as_batch_item() for vid in ids]


def prefilled_sheets(store: Store, week: IsoWeek | str, *, clerk: str = "") -> list[SheetItem]:
    """One sheet per person due in ``week`` (the roster's order) with the person's details
    printed and the visit left to fill in by hand (paper-first visits)."""
    week = IsoWeek.parse(week) if isinstance(week, str) else week
    defn = visit_form()
    with store.read() as s:
        items = [i for i in due_list(s, week, week.monday, include_extra=False) if i.due_in_week]
    items.sort(key=lambda i: (i.group_no is None, i.group_no or 0, i.address, i.name, i.person_id))
    sheets: list[SheetItem] = []
    for item in items:
        values = new_visit_values(store, item.person_id, clerk=clerk, today=week.monday)
        for key in ("person_id", "visited_on", "method"):
            values.pop(key, None)
        if not clerk:
            values.pop("visitors", None)
        sheets.append((defn, values, ""))
    return sheets


def blank_sheets(copies: int) -> list[SheetItem]:
    """``copies`` empty visit sheets."""
    if not 1 <= copies <= 500:
        raise ValidationError(FieldError("copies", "份数应为1至500"))
    defn = visit_form()
    return [(defn, None, "") for _ in range(copies)]


# ---------------------------------------------------------------- coverage


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


# ---------------------------------------------------------------- recording a visit


VISIT_FORM = "visit"


def visit_form() -> FormDefinition:
    """The ``visit`` form definition (forms/visit.toml): fields, validation and print layout."""
    return get_definition(VISIT_FORM)


def new_visit_values(store: Store, person_id: str, *, clerk: str, today: date | None = None) -> dict[str, Any]:
    """The quick-entry defaults: the person's details from the registry, today, this clerk, 入户."""
    today = today or date.today()
    context = prefill_context(store, None, person_id, clerk=clerk, today=today)
    if not context["applicant"]:
        raise ValidationError(FieldError("person_id", "被探访人不存在或已被删除", "missing"))
    values = visit_form().prefill(context)
    values.setdefault("visited_on", today.isoformat())
    values.setdefault("method", "入户")
    values.setdefault("visitors", clerk)
    values["person_id"] = person_id
    return values


@dataclass(slots=True)
class VisitEntry:
    """One visit as the quick-entry dialog collects it."""

    person_id: str
    values: dict[str, Any]  # the visit form's values (keys of forms/visit.toml)
    follow_ups: list[str] = field(default_factory=list)  # follow-up items; default: 发现问题, line by line
    photos: list[Path] = field(default_factory=list)

    def follow_up_items(self) -> list[str]:
        """The follow-up items to open: the ones given, else (需要跟进 ticked) the lines of 发现问题."""
        items = [f.strip() for f in self.follow_ups if f and f.strip()]
        if not items and self.values.get("follow_up_needed") in (True, "true", "是"):
            items = [line.strip() for line in str(self.values.get("problems") or "").splitlines() if line.strip()]
        return items


def _check_entry(defn: FormDefinition, entry: VisitEntry, today: date) -> tuple[dict[str, Any], list[str]]:
    """Validated, normalised form values and the follow-up items; ValidationError naming every bad field."""
    values = {k: v for k, v in entry.values.items() if k != "person_id"}
    # the date bounds are checked below against ``today`` (the form's "today" is the wall clock)
    errors = [e for e in defn.validate(values) if not (e.field == "visited_on" and e.code == "range")]
    visited_on = _lenient_date(values.get("visited_on"))
    if visited_on is not None:
        if visited_on > today:
            errors.append(FieldError("visited_on", "“探访日期”不能晚于今天"))
        elif visited_on < today - timedelta(days=366):
            errors.append(FieldError("visited_on", "“探访日期”不能早于一年前"))
    items = entry.follow_up_items()
    for index, item in enumerate(items):
        if len(item) > FOLLOW_UP_MAX:
            errors.append(FieldError("follow_ups", f"第{index + 1}项跟进事项不能超过{FOLLOW_UP_MAX}个字"))
    if values.get("follow_up_needed") in (True, "true", "是") and not items:
        errors.append(FieldError("follow_up_needed", "勾选了“需要跟进”，请填写跟进事项或“发现问题”", "required"))
    if errors:
        raise ValidationError(_dedupe(errors))
    return defn.normalise(values), items


def _lenient_date(value: Any) -> date | None:
    try:
        return _as_date(value) if isinstance(value, date) or not value else date.fromisoformat(str(value))
    except ValueError:
        return None


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in errors:
        if (e.field, e.message) not in seen:
            seen.add((e.field, e.message))
            out.append(e)
    return out


def record_visit(store: Store, actor: Actor, entry: VisitEntry, *, today: date | None = None) -> str:
    """Save one visit with its follow-up items and photos in one transaction; return its id.

    Person details the form prints (姓名, 住址 …) that the entry leaves out are taken from the
    registry. Raises ValidationError (Chinese messages naming each field) and saves nothing
    if any value is refused.
    """
    from jydesk.store.attachments import attach, store_photo

    today = today or date.today()
    defn = visit_form()
    with store.read() as s:
        person = s.get(Person, entry.person_id)
        if person is None or person.deleted:
            raise ValidationError(FieldError("person_id", "被探访人不存在或已被删除", "missing"))
    defaults = new_visit_values(store, entry.person_id, clerk=actor.name, today=today)
    entry = VisitEntry(entry.person_id, {**defaults, **entry.values}, entry.follow_ups, entry.photos)
    clean, items = _check_entry(defn, entry, today)
    photos = [store_photo(store.attachments_dir, p) for p in entry.photos]
    data = {k: v for k, v in clean.items() if k not in VISIT_COLUMNS and k != "person_id" and v not in (None, "", [])}
    with store.write(actor) as w:
        person = w.session.get(Person, entry.person_id)
        if person is None or person.deleted:
            raise ValidationError(FieldError("person_id", "被探访人不存在或已被删除", "missing"))
        visit = w.add(Visit(person_id=person.id, visited_on=_as_date(clean["visited_on"]), method=clean["method"],
                            visitors=clean["visitors"], follow_up_needed=bool(items),
                            next_visit_on=_as_date(clean.get("next_visit_on")), data=data))
        for item in items:
            w.add(FollowUp(visit_id=visit.id, person_id=person.id, description=item, status=FOLLOW_UP_OPEN))
        for photo in photos:
            attach(w, Entity.VISIT, visit.id, photo)
        return visit.id


def visit_values(session: Session, visit_id: str) -> dict[str, Any]:
    """A saved visit as the form's values (columns and data together), for printing or viewing."""
    v = session.get(Visit, visit_id)
    if v is None or v.deleted:
        raise LookupError(f"探访记录 {visit_id} 不存在")
    values = dict(v.data or {})
    values.update({"person_id": v.person_id, "visited_on": v.visited_on.isoformat(), "method": v.method,
                   "visitors": v.visitors, "follow_up_needed": bool(v.follow_up_needed),
                   "next_visit_on": v.next_visit_on.isoformat() if v.next_visit_on else None})
    return {k: val for k, val in values.items() if val is not None}


# ---------------------------------------------------------------- follow-up items


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    id: str
    person_id: str
    person_name: str
    visit_id: str | None
    visited_on: date | None
    description: str
    status: str
    closed_on: date | None
    closed_note: str | None


def follow_ups(session: Session, *, person_id: str | None = None, open_only: bool = True) -> list[FollowUpRow]:
    """Follow-up items (open ones by default), oldest visit first."""
    stmt = (select(FollowUp.id, FollowUp.person_id, Person.name, FollowUp.visit_id, Visit.visited_on,
                   FollowUp.description, FollowUp.status, FollowUp.closed_on, FollowUp.closed_note)
            .join(Person, Person.id == FollowUp.person_id)
            .outerjoin(Visit, Visit.id == FollowUp.visit_id)
            .where(FollowUp.deleted.is_(False))
            .order_by(Visit.visited_on, FollowUp.id))
    if person_id is not None:
        stmt = stmt.where(FollowUp.person_id == person_id)
    if open_only:
        stmt = stmt.where(FollowUp.status == FOLLOW_UP_OPEN)
    return [FollowUpRow(*r) for r in session.execute(stmt)]


def close_follow_up(store: Store, actor: Actor, follow_up_id: str, note: str, *, closed_on: date | None = None) -> None:
    """Mark a follow-up item done, saying how it was handled (处理/转介 情况)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError(FieldError("closed_note", "请填写处理情况", "required"))
    if len(note) > FOLLOW_UP_MAX:
        raise ValidationError(FieldError("closed_note", f"处理情况不能超过{FOLLOW_UP_MAX}个字"))
    closed_on = closed_on or date.today()
    with store.write(actor) as w:
        item = w.session.get(FollowUp, follow_up_id)
        if item is None or item.deleted:
            raise ValidationError(FieldError("follow_up", "该跟进事项不存在或已被删除", "missing"))
        if item.status == FOLLOW_UP_CLOSED:
            raise ValidationError(FieldError("follow_up", "该跟进事项已经办结"))
        item.status, item.closed_on, item.closed_note = FOLLOW_UP_CLOSED, closed_on, note


# ---------------------------------------------------------------- visit history


@dataclass(frozen=True, slots=True)
class VisitRow:
    id: str
    person_id: str
    visited_on: date
    method: str
    visitors: str | None
    follow_up_needed: bool
    next_visit_on: date | None
    data: dict[str, Any]


def visits_of(session: Session, person_id: str, limit: int = 50) -> list[VisitRow]:
    """A person's visits, newest first."""
    rows = session.execute(select(Visit).where(Visit.person_id == person_id, Visit.deleted.is_(False))
                           .order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(limit)).scalars()
    return [VisitRow(v.id, v.person_id, v.visited_on, v.method, v.visitors, v.follow_up_needed, v.next_visit_on,
                     dict(v.data or {})) for v in rows]


def visits_in_week(session: Session, week: IsoWeek | str) -> list[VisitRow]:
    """Every visit dated inside ``week``, by date (for printing the week's filled sheets)."""
    week = IsoWeek.parse(week) if isinstance(week, str) else week
    rows = session.execute(select(Visit).where(Visit.deleted.is_(False), Visit.visited_on >= week.monday,
                                               Visit.visited_on <= week.sunday)
                           .order_by(Visit.visited_on, Visit.id)).scalars()
    return [VisitRow(v.id, v.person_id, v.visited_on, v.method, v.visitors, v.follow_up_needed, v.next_visit_on,
                     dict(v.data or {})) for v in rows]
