"""Case services: create, save, move through the workflow, list and count; holidays; standards.

Plain Python over :class:`~jydesk.store.database.Store`; the UI calls these and holds no rule.
Every change goes through ``store.write(actor)`` (row + audit + outbox in one transaction).

- :func:`create_case` makes a 草稿 prefilled from the registry (household, applicant, members).
- :func:`save_values` stores what the clerk typed. It never refuses a draft: values that
  cannot be stored in their field's format are left out of the record and returned as
  :class:`FieldError`\\ s (the editor keeps the raw text in the local draft and shows the
  message at the field). Fields filled in by the town/county are never written here.
- :func:`transition` checks the workflow's preconditions and writes the new status, its
  dates and a 办理记录 (CaseEvent) together.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import func, select

from jydesk.domain import casework
from jydesk.domain.casework import CaseFacts, Deadline, DeadlineState
from jydesk.domain.entities import CaseStatus
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FilledBy, FormDefinition, get_definition
from jydesk.domain.idnumber import age_on
from jydesk.domain.regions import town_of_village
from jydesk.domain.standards import BenefitStandard, standard_on
from jydesk.domain.workdays import CalendarDay, WorkCalendar, shipped_holidays
from jydesk.store.database import Store
from jydesk.store.models import (
    BenefitStandardRow,
    Case,
    CaseEvent,
    Holiday,
    Household,
    Installation,
    Person,
    SyncState,
)
from jydesk.store.serialize import to_json
from jydesk.store.unit_of_work import Actor

HOLIDAY_SEED_KEY = "seed.holidays"
# Forms whose assessment is against the 低保 standard (per-capita income shown beside it).
STANDARD_KIND = {"dibao": "dibao"}


class CaseNotFound(LookupError):
    """No (undeleted) case with that id."""


# ------------------------------------------------------------------ reading


@dataclass(frozen=True, slots=True)
class EventRow:
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None


@dataclass(slots=True)
class CaseDetail:
    """Everything the editor shows about one case."""

    id: str
    form_code: str
    status: CaseStatus
    values: dict[str, Any]
    household_id: str | None
    applicant_id: str | None
    applicant_name: str
    applied_on: date | None
    accepted_on: date | None
    publicity_start: date | None
    publicity_end: date | None
    submitted_on: date | None
    decision: str | None
    decision_amount: Decimal | None
    decision_start_month: str | None
    decision_reason: str | None
    decision_on: date | None
    decided_by: str | None
    events: list[EventRow] = field(default_factory=list)

    @property
    def facts(self) -> CaseFacts:
        return CaseFacts(self.form_code, self.status, self.values, applied_on=self.applied_on,
                         accepted_on=self.accepted_on, publicity_start=self.publicity_start,
                         publicity_end=self.publicity_end, submitted_on=self.submitted_on)

    @property
    def editable(self) -> bool:
        return self.status in casework.EDITABLE_STATUSES


def _facts(case: Case) -> CaseFacts:
    return CaseFacts(case.form_code, CaseStatus(case.status), case.data or {}, applied_on=case.applied_on,
                     accepted_on=case.accepted_on, publicity_start=case.publicity_start,
                     publicity_end=case.publicity_end, submitted_on=case.submitted_on)


def load_case(store: Store, case_id: str) -> CaseDetail:
    with store.read() as s:
        case = s.get(Case, case_id)
        if case is None or case.deleted:
            raise CaseNotFound(case_id)
        name = (case.data or {}).get("applicant_name") or ""
        if case.applicant_id:
            name = s.execute(select(Person.name).where(Person.id == case.applicant_id)).scalar() or name
        events = s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.deleted.is_(False))
                           .order_by(CaseEvent.at, CaseEvent.id)).scalars().all()
        return CaseDetail(
            case.id, case.form_code, CaseStatus(case.status), dict(case.data or {}), case.household_id,
            case.applicant_id, name, case.applied_on, case.accepted_on, case.publicity_start, case.publicity_end,
            case.submitted_on, case.decision, case.decision_amount, case.decision_start_month,
            case.decision_reason, case.decision_on, case.decided_by,
            [EventRow(e.at, e.actor, e.from_status, e.to_status, e.note) for e in events])


# ------------------------------------------------------------------ prefill context


def _person_context(p: Person, on: date) -> dict[str, Any]:
    values = {k: getattr(p, k) for k in ("name", "id_number", "relation", "phone", "disability_type",
                                         "disability_grade", "disability_cert_no", "health", "employment",
                                         "monthly_income", "care_flags", "note", "household_id", "village_code")}
    values.update(id=p.id, sex=p.sex, birth_date=p.birth_date,
                  age=age_on(p.birth_date, on) if p.birth_date else None)
    return to_json(values)


def prefill_context(store: Store, household_id: str | None, applicant_id: str | None, *,
                    clerk: str = "", today: date | None = None) -> dict[str, Any]:
    """The context a form definition prefills from (see jydesk.domain.forms.prefill)."""
    today = today or date.today()
    with store.read() as s:
        inst = s.get(Installation, 1)
        village: dict[str, Any] = {}
        if inst is not None:
            town = town_of_village(inst.village_code)
            village = {"code": inst.village_code, "name": inst.village_name, "town_name": town.name if town else ""}
        household: dict[str, Any] = {}
        members: list[dict[str, Any]] = []
        applicant: dict[str, Any] = {}
        person = s.get(Person, applicant_id) if applicant_id else None
        if household_id is None and person is not None:
            household_id = person.household_id
        hh = s.get(Household, household_id) if household_id else None
        if hh is not None:
            household = to_json({k: getattr(hh, k) for k in ("village_code", "group_no", "address", "residence",
                                                              "phone", "head_person_id", "note")})
            household["id"] = hh.id
            rows = s.execute(select(Person).where(Person.household_id == hh.id, Person.deleted.is_(False))
                             .order_by(Person.relation != "本人", Person.birth_date, Person.id)).scalars().all()
            members = [_person_context(p, today) for p in rows]
        if person is not None:
            applicant = _person_context(person, today)
    return {"village": village, "household": household, "applicant": applicant, "members": members,
            "clerk": {"name": clerk}, "today": today.isoformat()}


# ------------------------------------------------------------------ writing


def _top_key(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


_CELL = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")


def _drop(values: dict[str, Any], path: str) -> None:
    m = _CELL.match(path)
    if m:
        rows = values.get(m.group(1))
        index = int(m.group(2))
        if isinstance(rows, list) and index < len(rows) and isinstance(rows[index], dict):
            rows[index] = {**rows[index], m.group(3): None}
            return
    values.pop(_top_key(path), None)


def storable_values(defn: FormDefinition, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """The values in their stored form, without those that cannot be read for their field.

    Returns (values to store, format errors for the values left out). Unknown keys are dropped.
    """
    known = set(defn.keys)
    clean: dict[str, Any] = {k: copy.deepcopy(v) for k, v in values.items() if k in known}
    try:
        return defn.normalise(clean), []
    except ValidationError as exc:
        errors = exc.errors
    for e in errors:
        _drop(clean, e.field)
    try:
        return defn.normalise(clean), errors
    except ValidationError as exc:  # a malformed table: drop the whole field
        for e in exc.errors:
            clean.pop(_top_key(e.field), None)
        return defn.normalise(clean), errors


@cache
def village_keys(defn: FormDefinition) -> frozenset[str]:
    """Keys the village clerk fills (town/county fields come from the server)."""
    return frozenset(f.key for f in defn.fields if f.stores_value and f.filled_by is FilledBy.VILLAGE)


def _with_computed(defn: FormDefinition, values: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    for key, value in defn.computed(values).items():
        if key in keys:
            values[key] = value
    return values


def _merge(defn: FormDefinition, old: Mapping[str, Any], typed: Mapping[str, Any],
           keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Old values with the village's fields replaced by ``typed`` (except the keys in ``keep``)."""
    keys = village_keys(defn)
    merged = {k: v for k, v in old.items() if k not in keys or k in keep}  # reviewers' values stay as synced
    merged.update({k: v for k, v in typed.items() if k in keys and k not in keep})
    merged = _with_computed(defn, merged, keys)
    return {k: v for k, v in merged.items() if v not in (None, "", [])}


def _sync_columns(case: Case, values: Mapping[str, Any]) -> None:
    """Keep the date columns (lists, deadlines) in step with the form's date fields."""
    keys = ["applied_on"]
    if case.publicity_start is not None:  # set by the 公示 transition, corrected in the form afterwards
        keys += ["publicity_start", "publicity_end"]
    for key in keys:
        day = casework.as_date(values.get(key))
        if day is not None and getattr(case, key) != day:
            setattr(case, key, day)


def create_case(store: Store, actor: Actor, form_code: str, *, household_id: str | None = None,
                applicant_id: str | None = None, today: date | None = None) -> str:
    """A new 草稿 of ``form_code`` prefilled from the registry; returns its id."""
    defn = get_definition(form_code)
    if not defn.case_type:
        raise ValidationError(FieldError("form_code", f"“{defn.title}”不是申请表，不能新建申请"))
    if applicant_id is None:
        raise ValidationError(FieldError("applicant_id", "请选择申请人", "required"))
    today = today or date.today()
    context = prefill_context(store, household_id, applicant_id, clerk=actor.name, today=today)
    if not context["applicant"]:
        raise ValidationError(FieldError("applicant_id", "找不到所选的申请人，请重新选择"))
    household_id = household_id or context["household"].get("id")
    values, _ = storable_values(defn, defn.prefill(context))
    values = _merge(defn, {}, values)
    with store.write(actor) as w:
        case = w.add(Case(form_code=form_code, household_id=household_id, applicant_id=applicant_id,
                          status=CaseStatus.DRAFT.value, data=values,
                          applied_on=casework.as_date(values.get("applied_on"))))
        w.add(CaseEvent(case_id=case.id, from_status=None, to_status=CaseStatus.DRAFT.value,
                        at=datetime.now(), actor=actor.name, note=f"新建“{defn.title}”"))
        return case.id


def save_values(store: Store, actor: Actor, case_id: str, values: Mapping[str, Any]) -> list[FieldError]:
    """Store the clerk's values on the case; returns the format errors of values left out.

    Refused (ValidationError on ``status``) only when the case is no longer the village's to edit.
    """
    with store.write(actor) as w:
        case = w.session.get(Case, case_id)
        if case is None or case.deleted:
            raise CaseNotFound(case_id)
        if CaseStatus(case.status) not in casework.EDITABLE_STATUSES:
            raise ValidationError(FieldError("status", f"申请已{case.status}，不能再修改"))
        defn = get_definition(case.form_code)
        typed, errors = storable_values(defn, values)
        # A field whose new input is unreadable keeps its stored value (the input stays in the draft).
        keep = frozenset(_top_key(e.field) for e in errors if not _CELL.match(e.field))
        merged = _merge(defn, case.data or {}, typed, keep)
        if to_json(merged) != to_json(case.data or {}):
            case.data = merged
        _sync_columns(case, merged)
        return errors


def transition(store: Store, actor: Actor, case_id: str, target: CaseStatus | str, *,
               on: date | None = None) -> CaseDetail:
    """Move the case to ``target`` (checked by casework.plan_transition) with its 办理记录."""
    on = on or date.today()
    target = CaseStatus(target)
    with store.write(actor) as w:
        case = w.session.get(Case, case_id)
        if case is None or case.deleted:
            raise CaseNotFound(case_id)
        defn = get_definition(case.form_code)
        plan = casework.plan_transition(_facts(case), target, defn, on)
        note = plan.note
        if target is CaseStatus.ACCEPTED:
            standard = case_standard(store, case.form_code, case.applied_on or on, w.session)
            if standard is not None:
                note += f"；适用低保标准 {standard.label}"
        before = case.status
        for key, day in plan.columns.items():
            setattr(case, key, day)
        if plan.values:
            case.data = {**(case.data or {}), **plan.values}
        case.status = target.value
        w.add(CaseEvent(case_id=case.id, from_status=before, to_status=target.value, at=datetime.now(),
                        actor=actor.name, note=note))
    return load_case(store, case_id)


def discard_case(store: Store, actor: Actor, case_id: str) -> None:
    """Delete a 草稿 (soft delete, synced); later statuses are kept on record."""
    with store.write(actor) as w:
        case = w.session.get(Case, case_id)
        if case is None or case.deleted:
            raise CaseNotFound(case_id)
        if case.status != CaseStatus.DRAFT.value:
            raise ValidationError(FieldError("status", f"申请已{case.status}，不能删除，只能按流程办理"))
        w.delete(case)


def record_print(store: Store, actor: Actor, what: str, case_ids: Sequence[str] = (), *, pages: int = 0,
                 target: str = "") -> None:
    """Audit one print (or PDF export): what, which cases, how many pages, where to."""
    detail = f"{what}；{pages}页" + (f"；{target}" if target else "")
    with store.write(actor) as w:
        if not case_ids:
            w.audit("print", detail=detail)
        for cid in case_ids:
            w.audit("print", entity="case", record_id=cid, detail=detail)


def companion_forms(form_code: str) -> list[FormDefinition]:
    """Forms printed alongside a case of ``form_code`` (e.g. the 授权书 of a 低保 application)."""
    from jydesk.domain.forms import load_definitions

    return [d for d in load_definitions().values() if form_code in d.companion_of]


def print_items(store: Store, case_ids: Sequence[str], *, companion: str | None = None,
                ) -> list[tuple[FormDefinition, dict[str, Any], str]]:
    """(definition, values, 编号) per existing case, in order (``companion``: that form instead)."""
    from jydesk.store.form_context import case_print_item

    items = []
    for cid in case_ids:
        try:
            items.append(case_print_item(store, cid, companion).as_batch_item())
        except ValidationError:
            continue  # deleted meanwhile: the rest still print
    return items


# ------------------------------------------------------------------ lists and counts


@dataclass(frozen=True, slots=True)
class CaseQuery:
    form_code: str | None = None
    status: str | None = None
    group_no: int | None = None
    deadline_state: DeadlineState | None = None
    text: str = ""  # applicant name contains


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: str
    form_code: str
    status: str
    applicant_name: str
    group_no: int | None
    address: str
    applied_on: date | None
    updated_at: datetime
    deadline: Deadline | None
    deadline_state: DeadlineState
    deadline_text: str
    decision_amount: Decimal | None


def _base_rows(store: Store, query: CaseQuery, *, with_status: bool) -> list[tuple[Any, ...]]:
    stmt = (select(Case.id, Case.form_code, Case.status, Case.applied_on, Case.accepted_on, Case.publicity_start,
                   Case.publicity_end, Case.submitted_on, Case.updated_at, Case.decision_amount,
                   # the form's name only when no applicant record is linked (coalesce short-circuits)
                   func.coalesce(Person.name, func.json_extract(Case.data, "$.applicant_name")),
                   Household.group_no, Household.address)
            .outerjoin(Person, Person.id == Case.applicant_id)
            .outerjoin(Household, Household.id == Case.household_id)
            .where(Case.deleted.is_(False)))
    if query.form_code:
        stmt = stmt.where(Case.form_code == query.form_code)
    if with_status and query.status:
        stmt = stmt.where(Case.status == query.status)
    if query.group_no is not None:
        stmt = stmt.where(Household.group_no == query.group_no)
    if query.text.strip():
        stmt = stmt.where(Person.name.contains(query.text.strip()))
    stmt = stmt.order_by(Case.updated_at.desc(), Case.id.desc())
    with store.read() as s:
        return [tuple(r) for r in s.execute(stmt).all()]


def _row(r: tuple[Any, ...], calendar: WorkCalendar, today: date) -> CaseRow:
    (cid, form_code, status, applied, accepted, pstart, pend, submitted, updated, amount, name, group, address) = r
    facts = CaseFacts(form_code, CaseStatus(status), {}, applied_on=applied, accepted_on=accepted,
                      publicity_start=pstart, publicity_end=pend, submitted_on=submitted)
    dl = casework.deadline(facts, calendar)
    state = casework.deadline_state(dl.due if dl else None, today, calendar)
    text = casework.deadline_text(dl, today, calendar)
    if status == CaseStatus.PUBLICITY and pend is not None:
        text = f"公示至 {pend:%Y-%m-%d}" + (f"；{text}" if text else "")
    return CaseRow(cid, form_code, status, name or "", group,
                   address or "", applied, updated, dl, state, text, amount)


def list_cases(store: Store, query: CaseQuery = CaseQuery(), *, today: date | None = None,
               calendar: WorkCalendar | None = None) -> list[CaseRow]:
    """Cases matching ``query``, most recently changed first, with their deadline state."""
    today = today or date.today()
    calendar = calendar or work_calendar(store)
    rows = [_row(r, calendar, today) for r in _base_rows(store, query, with_status=True)]
    if query.deadline_state is not None:
        rows = [r for r in rows if r.deadline_state is query.deadline_state]
    return rows


def status_counts(store: Store, query: CaseQuery = CaseQuery()) -> dict[str, int]:
    """Cases per status for ``query`` (its status filter ignored), every status present (0 too)."""
    counts = {s.value: 0 for s in CaseStatus}
    stmt = select(Case.status, func.count()).where(Case.deleted.is_(False))
    if query.form_code:
        stmt = stmt.where(Case.form_code == query.form_code)
    if query.group_no is not None or query.text.strip() or query.deadline_state is not None:
        for r in list_cases(store, CaseQuery(query.form_code, None, query.group_no, query.deadline_state,
                                             query.text)):
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts
    with store.read() as s:
        for status, n in s.execute(stmt.group_by(Case.status)).all():
            counts[status] = n
    return counts


def deadline_counts(store: Store, *, today: date | None = None) -> dict[DeadlineState, int]:
    """How many open cases are 即将到期 / 已超期 (for the panel's warning line)."""
    counts = dict.fromkeys(DeadlineState, 0)
    for r in list_cases(store, today=today):
        counts[r.deadline_state] += 1
    return counts


def group_numbers(store: Store) -> list[int]:
    """The 组 numbers that have households (for the filter)."""
    with store.read() as s:
        return [g for (g,) in s.execute(select(Household.group_no).where(Household.group_no.is_not(None))
                                        .distinct().order_by(Household.group_no)).all()]


def form_codes_in_use(store: Store) -> list[str]:
    with store.read() as s:
        return [c for (c,) in s.execute(select(Case.form_code).where(Case.deleted.is_(False)).distinct()
                                        .order_by(Case.form_code)).all()]


# ------------------------------------------------------------------ benefit standard


def case_standard(store: Store, form_code: str, on: date, session: Any = None) -> BenefitStandard | None:
    """The standard the form is assessed against on ``on`` for this installation's area, if any."""
    kind = STANDARD_KIND.get(form_code)
    if kind is None:
        return None
    if session is None:
        with store.read() as s:
            return case_standard(store, form_code, on, s)
    inst = session.get(Installation, 1)
    area = inst.area if inst is not None else "jianyang"
    rows = session.execute(select(BenefitStandardRow).where(BenefitStandardRow.kind == kind)).scalars().all()
    standards = [BenefitStandard(r.kind, r.area, r.effective_from, Decimal(r.amount), r.source, r.verified)
                 for r in rows]
    return standard_on(standards, kind, area, on)


# ------------------------------------------------------------------ holidays


def work_calendar(store: Store) -> WorkCalendar:
    """The working-day calendar from the holiday table."""
    with store.read() as s:
        return WorkCalendar.from_rows(s.execute(select(Holiday.day, Holiday.name, Holiday.working)).all())


def list_holidays(store: Store, year: int | None = None) -> list[CalendarDay]:
    stmt = select(Holiday).order_by(Holiday.day)
    if year is not None:
        stmt = stmt.where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
    with store.read() as s:
        return [CalendarDay(h.day, h.name, h.working) for h in s.execute(stmt).scalars().all()]


def set_holiday(store: Store, actor: Actor, day: date, name: str, working: bool = False) -> None:
    """Add or change one day: a day off (放假) or a weekend day worked (调休上班)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(FieldError("name", "请填写节假日名称", "required"))
    if len(name) > 30:
        raise ValidationError(FieldError("name", "节假日名称不能超过30个字"))
    if working and day.weekday() < 5:
        raise ValidationError(FieldError("working", f"{day:%Y-%m-%d} 是工作日，不需要登记为调休上班"))
    if not working and day.weekday() >= 5:
        raise ValidationError(FieldError("day", f"{day:%Y-%m-%d} 是周末，本来就不计工作日"))
    kind = "调休上班" if working else "放假"
    with store.write(actor) as w:
        row = w.session.get(Holiday, day)
        if row is None:
            w.session.add(Holiday(day=day, name=name, working=working))
        else:
            row.name, row.working = name, working
        w.audit("holiday", entity="holiday", detail=f"{day:%Y-%m-%d} {name}（{kind}）")


def remove_holiday(store: Store, actor: Actor, day: date) -> bool:
    with store.write(actor) as w:
        row = w.session.get(Holiday, day)
        if row is None:
            return False
        w.session.delete(row)
        w.audit("holiday", entity="holiday", detail=f"删除 {day:%Y-%m-%d} {row.name}")
        return True


def seed_holidays(store: Store, actor: Actor) -> int:
    """Put the shipped official schedules in the table once (days the clerk changed are kept)."""
    with store.write(actor) as w:
        done = w.session.get(SyncState, HOLIDAY_SEED_KEY)
        shipped = shipped_holidays()
        years = sorted({d.day.year for d in shipped})
        seeded = set((done.value or "").split(",")) if done is not None else set()
        todo = [d for d in shipped if str(d.day.year) not in seeded]
        if not todo:
            return 0
        existing = {h for (h,) in w.session.execute(select(Holiday.day)).all()}
        added = 0
        for d in todo:
            if d.day not in existing:
                w.session.add(Holiday(day=d.day, name=d.name, working=d.working))
                added += 1
        value = ",".join(sorted(seeded | {str(y) for y in years} - {""}))
        if done is None:
            w.session.add(SyncState(key=HOLIDAY_SEED_KEY, value=value))
        else:
            done.value = value
        w.audit("holiday", entity="holiday", detail=f"导入国务院办公厅公布的节假日安排（{'、'.join(map(str, years))}年，{added}天）")
        return added


def holiday_type(day: CalendarDay) -> str:
    return "调休上班" if day.working else "放假"


def form_title(code: str) -> str:
    try:
        return get_definition(code).title
    except KeyError:
        return code


def case_forms() -> list[FormDefinition]:
    """Definitions of every application form (case_type), ordered by title."""
    from jydesk.domain.forms import load_definitions

    return sorted((d for d in load_definitions().values() if d.case_type), key=lambda d: d.code)
