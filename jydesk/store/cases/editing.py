"""Writing cases: create a prefilled 草稿, save the clerk's values, move through the workflow,
discard a draft, audit a print. Every change goes through ``store.write(actor)``."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from jydesk.domain import casework
from jydesk.domain.entities import CaseStatus
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FilledBy, FormDefinition, get_definition
from jydesk.store.cases.details import CaseDetail, CaseNotFound, facts_of, load_case
from jydesk.store.cases.register import assign_register_no
from jydesk.store.cases.standards import case_standard
from jydesk.store.database import Store
from jydesk.store.form_context import prefill_context
from jydesk.store.models import Case, CaseEvent
from jydesk.store.reference import approval_in
from jydesk.store.serialize import to_json
from jydesk.store.unit_of_work import Actor


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
        case = w.add(Case(form_code=form_code, form_version=defn.version, household_id=household_id, applicant_id=applicant_id,
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
        defn = get_definition(case.form_code, case.form_version)
        typed, errors = storable_values(defn, values)
        # A field whose new input is unreadable keeps its stored value (the input stays in the draft).
        keep = frozenset(_top_key(e.field) for e in errors if not _CELL.match(e.field))
        merged = _merge(defn, case.data or {}, typed, keep)
        if to_json(merged) != to_json(case.data or {}):
            case.data = merged
        _sync_columns(case, merged)
        return errors


def transition(store: Store, actor: Actor, case_id: str, target: CaseStatus | str, *,
               on: date | None = None, reason: str = "") -> CaseDetail:
    """Move the case to ``target`` (checked by casework.plan_transition) with its 办理记录.

    ``reason``: the written reason of 不予受理/终止/撤回, or the finding of a valid 公示 objection."""
    on = on or date.today()
    target = CaseStatus(target)
    with store.write(actor) as w:
        case = w.session.get(Case, case_id)
        if case is None or case.deleted:
            raise CaseNotFound(case_id)
        defn = get_definition(case.form_code, case.form_version)
        facts = facts_of(case, approval_in(w.session, case.village_code))
        plan = casework.plan_transition(facts, target, defn, on, reason)
        note = plan.note
        if target is CaseStatus.ACCEPTED:
            standard = case_standard(store, case.form_code, case.applied_on or on, w.session)
            if standard is not None:
                note += f"；适用低保标准 {standard.label}"
        before = case.status
        for key, day in plan.columns.items():
            setattr(case, key, day)
        if plan.values:
            merged = {**(case.data or {}), **plan.values}
            case.data = {k: v for k, v in merged.items() if v is not None}
        case.status = target.value
        if target not in (CaseStatus.DRAFT, CaseStatus.NOT_ACCEPTED) and assign_register_no(w.session, case, defn, case.accepted_on or on):
            note += f"；登记编号 {case.register_no}"
        w.add(CaseEvent(case_id=case.id, from_status=before, to_status=target.value, at=datetime.now(),
                        actor=actor.name, note=note))
    return load_case(store, case_id)


def extend_deadline(store: Store, actor: Actor, case_id: str, days: int, reason: str) -> CaseDetail:
    """Record an extension of the case's overall limit by ``days`` working days with its reason
    (checked by casework.check_extension)."""
    with store.write(actor) as w:
        case = w.session.get(Case, case_id)
        if case is None or case.deleted:
            raise CaseNotFound(case_id)
        facts = facts_of(case, approval_in(w.session, case.village_code))
        note = casework.check_extension(facts, days, reason)
        case.extension_days = (case.extension_days or 0) + days
        case.extension_reason = reason.strip()
        w.add(CaseEvent(case_id=case.id, from_status=case.status, to_status=case.status, at=datetime.now(),
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
