"""Printable form values from the store: a case or a visit → (definition, values, 编号).

The prefill context itself is built by :func:`jydesk.store.cases.prefill_context`; this
module lays the record's saved values over it, fills computed fields (sums, per-capita
income) the record left blank, and names the paper 编号. Used by ``jydesk print`` and by
the UI's print preview and batch printing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FormDefinition, get_definition
from jydesk.store.cases import prefill_context
from jydesk.store.database import Store
from jydesk.store.models import Case, Visit
from jydesk.store.visits import visit_values

VISIT_FORM = "visit"


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
        code, data = case.form_code, dict(case.data or {})
        household_id, applicant_id, applied_on = case.household_id, case.applicant_id, case.applied_on
    defn = get_definition(form_code or code)
    if defn.code != code and code not in defn.companion_of:
        own = get_definition(code).title if _known(code) else code
        raise ValidationError(FieldError("form", f"“{defn.title}”不能随“{own}”打印", "invalid"))
    on = applied_on or today or date.today()
    context = prefill_context(store, household_id, applicant_id, today=on)
    return PrintItem(defn, merged_values(defn, context, data), record_number(case_id, applied_on), "case", case_id)


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
