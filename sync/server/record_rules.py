"""Stage 2 of ``sync.server.validation``: the domain rules of each entity on a whole record.

A rule takes the record as it would be after the change, the changed field names and
today's date; it returns values the server stores differently (normalised) and the
problems found (``jydesk.domain.registry`` for households and people, the form engine of
``sync.server.form_rules`` for ``data.*``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jydesk.domain import registry
from jydesk.domain.entities import CaseStatus, Entity
from jydesk.domain.errors import FieldError, ValidationError
from sync.protocol.errors import ErrorCode
from sync.server import benefit_rules
from sync.server import form_rules as forms
from sync.server.field_values import CASE_STATUSES, FOLLOW_UP_STATUSES, REVIEWER_STATUSES

_CONVERTED = frozenset({Decimal, date, datetime})  # the types _json changes; others pass as they are


def _json(value: Any) -> Any:
    kind = type(value)
    if kind is Decimal:
        return f"{value:.2f}"
    if kind is date or kind is datetime:
        return value.isoformat()
    return value


def _differing(out: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Values of ``out`` (as stored: JSON types) that differ from ``new``, for keys of ``new``."""
    diff = {}
    for k, v in out.items():
        if k in new:
            if type(v) in _CONVERTED:
                v = _json(v)
            if v != new[k]:
                diff[k] = v
    return diff


def _household_rule(new: dict[str, Any], changed: set[str], today: date) -> tuple[dict[str, Any], list[FieldError]]:
    values = dict(new)
    values.setdefault("residence", None)
    try:
        out = registry.validate_household(values)
    except ValidationError as exc:
        return {}, exc.errors
    return _differing(out, new), []


def _person_rule(new: dict[str, Any], changed: set[str], today: date) -> tuple[dict[str, Any], list[FieldError]]:
    try:
        out = registry.validate_person(new, today=today)
    except ValidationError as exc:
        return {}, exc.errors
    return _differing(out, new), []


def _case_rule(new: dict[str, Any], changed: set[str], today: date) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    status = new.get("status")
    if status not in CASE_STATUSES:
        errors.append(FieldError("status", f"办理状态“{status}”不正确", ErrorCode.INVALID_CHOICE))
    start, end = new.get("publicity_start"), new.get("publicity_end")
    if start and end and end < start:
        errors.append(FieldError("publicity_end", "公示结束日期不能早于开始日期"))
    register_no, village = new.get("register_no"), new.get("village_code")
    if register_no and village and not str(register_no).startswith(f"{village}-"):
        errors.append(FieldError("register_no", f"登记编号“{register_no}”不属于村(社区) {village}"))
    normalised: dict[str, Any] = {}
    form_errors, form_values = forms.check_case(new, changed, draft=status == CaseStatus.DRAFT.value)
    errors.extend(form_errors)
    normalised.update(form_values)
    return normalised, errors


def _follow_up_rule(new: dict[str, Any], changed: set[str], today: date) -> tuple[dict[str, Any], list[FieldError]]:
    status = new.get("status")
    if status not in (None, *FOLLOW_UP_STATUSES):
        return {}, [FieldError("status", f"跟进状态应为{'或'.join(FOLLOW_UP_STATUSES)}", ErrorCode.INVALID_CHOICE)]
    return {}, []


def _case_event_rule(new: dict[str, Any], changed: set[str], today: date) -> tuple[dict[str, Any], list[FieldError]]:
    if new.get("to_status") in REVIEWER_STATUSES and "to_status" in changed:
        return {}, [FieldError("to_status", "审批结果只能由审核人员记录", ErrorCode.SERVER_STATUS)]
    return {}, []


def _visit_rule(new: dict[str, Any], changed: set[str], today: date) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    visited, following = new.get("visited_on"), new.get("next_visit_on")
    if visited and following and following < visited:
        errors.append(FieldError("next_visit_on", "下次探访日期不能早于本次探访日期"))
    if visited and visited > today.isoformat():
        errors.append(FieldError("visited_on", "探访日期不能晚于今天"))
    form_errors, normalised = forms.check_visit(new, changed)
    return normalised, errors + form_errors


RECORD_RULES: dict[Entity, Callable[[dict[str, Any], set[str], date], tuple[dict[str, Any], list[FieldError]]]] = {
    Entity.HOUSEHOLD: _household_rule,
    Entity.PERSON: _person_rule,
    Entity.CASE: _case_rule,
    Entity.CASE_EVENT: _case_event_rule,
    Entity.VISIT: _visit_rule,
    Entity.FOLLOW_UP: _follow_up_rule,
    Entity.RECIPIENT: benefit_rules.recipient_rule,
    Entity.REVIEW: benefit_rules.review_rule,
    Entity.BENEFIT_CHANGE: benefit_rules.change_rule,
    Entity.LIFE_EVENT: benefit_rules.life_event_rule,
}
