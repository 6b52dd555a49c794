"""Form values from the store: the prefill context of a household/person, a saved visit's
values, and printable forms of a case or a visit → (definition, values, 编号).

:func:`prefill_context` is what a form definition prefills from (cases and visits both start
from it); the print items lay the record's saved values over it, fill computed fields (sums,
per-capita income) the record left blank, and name the paper 编号. Used by ``jydesk print``
and by the UI's print preview and batch printing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jydesk.domain.approval import PRINT_LEVEL_KEY
from jydesk.domain.care import PLAN_RULE, TIER_NAMES, WeeklyRule, assess
from jydesk.domain.entities import CaseStatus
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FormDefinition, get_definition
from jydesk.domain.idnumber import age_on
from jydesk.domain.regions import town_of_village
from jydesk.domain.relations import relate_members
from jydesk.store.database import Store
from jydesk.store.models import Case, CaseEvent, Household, Installation, Person, Visit
from jydesk.store.reference import approval_in, visit_policy
from jydesk.store.serialize import to_json

VISIT_FORM = "visit"


def _person_context(p: Person, on: date) -> dict[str, Any]:
    values = {k: getattr(p, k) for k in ("name", "id_number", "relation", "phone", "disability_type",
                                         "disability_grade", "disability_cert_no", "health", "employment",
                                         "monthly_income", "care_flags", "note", "household_id", "village_code")}
    age = age_on(p.birth_date, on) if p.birth_date else None
    session = Session.object_session(p)
    rule = WeeklyRule.from_policy(visit_policy(session)) if session is not None else PLAN_RULE
    tier = assess(p.care_flags or [], age, disability_grade=p.disability_grade, override=p.visit_tier_override,
                  override_reason=p.visit_tier_override_reason, rule=rule).tier
    values.update(id=p.id, sex=p.sex, birth_date=p.birth_date, age=age, visit_tier=TIER_NAMES[tier])
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
            relate_members(members, applicant)
    return {"village": village, "household": household, "applicant": applicant, "members": members,
            "clerk": {"name": clerk}, "today": today.isoformat()}


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


@dataclass(frozen=True, slots=True)
class PrintItem:
    """One form ready for :func:`jydesk.printing.render_form` / ``render_batch``."""

    definition: FormDefinition
    values: dict[str, Any]
    number: str  # 编号
    entity: str  # "case" or "visit"
    record_id: str

    def as_batch_item(self) -> tuple[FormDefinition, dict[str, Any], str]:
        return self.definition, self.values, self.number


def record_number(record_id: str, on: date | None) -> str:
    """The 编号 printed on a record's forms: year of the record and the last 8 hex digits of its id."""
    tail = record_id.replace("-", "")[-8:].upper()
    return f"{on.year}-{tail}" if on else tail


def merged_values(defn: FormDefinition, context: Mapping[str, Any], saved: Mapping[str, Any]) -> dict[str, Any]:
    """Prefill from ``context`` overlaid with the record's ``saved`` values of this form's fields."""
    values = defn.prefill(context)
    values.update({k: v for k, v in saved.items() if defn.has_field(k) and v not in (None, "", [])})
    return defn.complete(values)


#: The 告知书 printed for a case that was not accepted, terminated or withdrawn.
NOTICE_FORM = "notice"
NOTICE_STATUSES = frozenset({CaseStatus.NOT_ACCEPTED.value, CaseStatus.TERMINATED.value, CaseStatus.WITHDRAWN.value})


def case_print_item(store: Store, case_id: str, form_code: str | None = None, *,
                    today: date | None = None) -> PrintItem:
    """The case's own form, or a companion form (e.g. ``dibao-auth`` for a 低保 case).

    Raises ValidationError (Chinese) if the case does not exist or the form does not belong
    to that kind of case.
    """
    with store.read() as s:
        case = s.get(Case, case_id)
        if case is None or case.deleted:
            raise ValidationError(FieldError("case", f"找不到申请记录 {case_id}", "missing"))
        code, version, data = case.form_code, case.form_version or 1, dict(case.data or {})
        household_id, applicant_id, applied_on = case.household_id, case.applicant_id, case.applied_on
        register_no = case.register_no
        level = approval_in(s, case.village_code)
        status, close_reason = case.status, case.close_reason or ""
        closed_on = s.execute(select(CaseEvent.at).where(CaseEvent.case_id == case_id, CaseEvent.to_status == status)
                              .order_by(CaseEvent.at.desc())).scalar() if form_code == NOTICE_FORM else None
    # the case's own form in the version it was filled with; a companion (授权书) in its current one
    defn = get_definition(code, version) if form_code in (None, code) else get_definition(form_code)
    if defn.code == NOTICE_FORM and status not in NOTICE_STATUSES:
        raise ValidationError(FieldError("form", f"申请当前为“{status}”，没有需要打印的告知书", "invalid"))
    if defn.code != code and code not in defn.companion_of and defn.code != NOTICE_FORM:
        own = get_definition(code).title if _known(code) else code
        raise ValidationError(FieldError("form", f"“{defn.title}”不能随“{own}”打印", "invalid"))
    on = applied_on or today or date.today()
    case_context = {"form_code": code, "title": get_definition(code, version).title, "status": status,
                    "close_reason": close_reason, "register_no": register_no or "",
                    "closed_on": closed_on.date().isoformat() if closed_on else ""}
    context = prefill_context(store, household_id, applicant_id, today=on) | {"case": case_context}
    own = {} if defn.code == NOTICE_FORM else data  # the 告知书 is filled from the case, not its form values
    values = merged_values(defn, context, own) | {PRINT_LEVEL_KEY: level.value}
    return PrintItem(defn, values, register_no or "", "case", case_id)


def visit_print_item(store: Store, visit_id: str) -> PrintItem:
    """The visit record form of a saved visit (the person's details as of the visit date)."""
    defn = get_definition(VISIT_FORM)
    with store.read() as s:
        visit = s.get(Visit, visit_id)
        if visit is None or visit.deleted:
            raise ValidationError(FieldError("visit", f"找不到探访记录 {visit_id}", "missing"))
        saved = visit_values(s, visit_id)
        person_id, visited_on, visitors = visit.person_id, visit.visited_on, visit.visitors or ""
    context = prefill_context(store, None, person_id, clerk=visitors, today=visited_on)
    return PrintItem(defn, merged_values(defn, context, saved), record_number(visit_id, visited_on), "visit", visit_id)


def _known(code: str) -> bool:
    try:
        get_definition(code)
    except KeyError:
        return False
    return True
