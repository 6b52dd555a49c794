"""Checking one change from a device: shape, field values, domain rules and form values.

Two stages. :func:`check_change` looks at the change alone (entity, id, known fields,
server-owned fields, value types) and normalises values. :func:`check_record` runs the
domain rules on the record as it would be after the change (household/person rules of
``jydesk.domain.registry``, case status rules, the form engine for ``data.*``) and reports
only problems the change introduces, so an old record that a newer rule would refuse can
still take unrelated edits.

Form values (``data.<key>``) of a case: while the case is a draft (草稿) only the keys sent
are checked; once its status is beyond 草稿 the whole form is checked, required fields
included — a case is complete before it leaves the village clerk's desk.

The value checkers of stage 1 are ``sync.server.field_values``, the rules of stage 2
``sync.server.record_rules``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jydesk.domain.entities import DATA_PREFIX, SPECS, Entity, EntitySpec
from jydesk.domain.errors import FieldError
from jydesk.domain.field_labels import FIELD_LABELS
from jydesk.domain.text import clean
from sync.protocol.errors import ErrorCode
from sync.server.field_values import (
    BOOL_FIELDS,
    CASE_STATUSES,
    CHECKERS,
    DATE_FIELDS,
    DATETIME_FIELDS,
    FOLLOW_UP_STATUSES,
    ID_FIELDS,
    MAX_DATA_KEY,
    MAX_TEXT,
    OWNER_ENTITIES,
    PLANS,
    REVIEWER_STATUSES,
    UNPLANNED,
    Bad,
    canonical_uuid,
    form_value,
    text_value,
)
from sync.server.record_rules import RECORD_RULES

__all__ = ["BOOL_FIELDS", "CASE_STATUSES", "DATETIME_FIELDS", "DATE_FIELDS", "FOLLOW_UP_STATUSES", "ID_FIELDS",
           "MAX_DATA_KEY", "MAX_TEXT", "OWNER_ENTITIES", "REVIEWER_STATUSES", "Problems", "canonical_uuid",
           "check_change", "check_record", "is_empty", "label"]

_FIELDS = {entity: frozenset(spec.fields) for entity, spec in SPECS.items()}


def label(name: str) -> str:
    if name.startswith(DATA_PREFIX):
        return name[len(DATA_PREFIX):]
    return FIELD_LABELS.get(name, name)


@dataclass(slots=True)
class Problems:
    """Errors found for one change, as wire dicts ``{field, code, message}``."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, field_name: str | None, code: str, message: str) -> None:
        self.items.append({"field": field_name, "code": str(code), "message": message})

    def extend(self, errors: list[FieldError], prefix: str = "") -> None:
        for e in errors:
            self.add(prefix + e.field if e.field else None, e.code, e.message)

    def __bool__(self) -> bool:
        return bool(self.items)


# --- stage 1: the change alone ---------------------------------------------------------------


def check_change(spec: EntitySpec, fields: Mapping[str, Any], village_code: str,
                 problems: Problems) -> dict[str, Any]:
    """Field names and value types; returns the fields with values normalised."""
    out: dict[str, Any] = {}
    plan = PLANS[spec.name]
    for name, value in fields.items():
        checker = plan.get(name, UNPLANNED)
        if checker is UNPLANNED:  # not a plain field of the entity: a form value, or unknown
            if name not in _FIELDS[spec.name] and not spec.accepts(name):
                problems.add(name, ErrorCode.UNKNOWN_FIELD, f"“{spec.label}”没有字段“{name}”")
                continue
            if name.startswith(DATA_PREFIX):
                if len(name) > len(DATA_PREFIX) + MAX_DATA_KEY or clean(name) != name:
                    problems.add(name, ErrorCode.INVALID, "表单字段名过长或含有不能保存的字符")
                    continue
                checker = form_value
            else:
                checker = CHECKERS.get(name, text_value)
        if checker is text_value and type(value) is str and len(value) <= MAX_TEXT:
            out[name] = clean(value)
            continue
        try:
            out[name] = checker(value)
        except Bad as bad:
            problems.add(name, bad.code, f"{label(name)}：{bad.message}")
    vc = out.get("village_code")
    if "village_code" in out and vc != village_code:
        problems.add("village_code", ErrorCode.FORBIDDEN_VILLAGE,
                     f"村(社区)代码 {vc} 与本设备所属村(社区) {village_code} 不一致")
    return out

# --- stage 2: the record after the change ---------------------------------------------------


def check_record(entity: Entity | str, old: Mapping[str, Any] | None, new: dict[str, Any], changed: set[str],
                 problems: Problems, *, today: date | None = None) -> dict[str, Any]:
    """Domain rules on ``new`` (the merged record). Returns normalised values for ``changed``
    keys whose value the server stores differently from what was sent."""
    spec = SPECS[entity]
    if old is None:
        for name in spec.required:
            if is_empty(new.get(name)):
                problems.add(name, ErrorCode.REQUIRED, f"{label(name)}不能为空")
    else:
        for name in changed & set(spec.required):
            if is_empty(new.get(name)):
                problems.add(name, ErrorCode.REQUIRED, f"{label(name)}不能为空")
    if problems:
        return {}
    rule = RECORD_RULES.get(entity)
    if rule is None:
        return {}
    today = today or date.today()
    normalised, errors = rule(new, changed, today)
    if errors and old is not None:
        _, before = rule(dict(old), set(), today)
        seen = {(e.field, e.message) for e in before}
        errors = [e for e in errors if (e.field, e.message) not in seen]
    if errors:
        problems.extend(errors)
    return {k: v for k, v in normalised.items() if k in changed and v != new.get(k)}


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []

