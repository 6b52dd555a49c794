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
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jydesk.domain import registry
from jydesk.domain.care import CARE_FLAGS, Tier
from jydesk.domain.entities import DATA_PREFIX, SERVER_STATUSES, SPECS, CaseStatus, Entity, EntitySpec
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.field_labels import FIELD_LABELS
from jydesk.domain.visits import VISIT_METHODS
from sync.protocol.errors import ErrorCode
from sync.server import form_rules as forms

CASE_STATUSES = frozenset(s.value for s in CaseStatus)
#: Statuses only reviewers set (审核中/已批准/不予批准, and 退回补正 which sends a case back).
REVIEWER_STATUSES = frozenset({*SERVER_STATUSES, CaseStatus.RETURNED})
FOLLOW_UP_STATUSES = ("未办结", "已办结")
OWNER_ENTITIES = (Entity.CASE.value, Entity.VISIT.value, Entity.PERSON.value, Entity.HOUSEHOLD.value)
DATE_FIELDS = frozenset({"applied_on", "accepted_on", "publicity_start", "publicity_end", "submitted_on",
                         "visited_on", "next_visit_on", "closed_on"})
DATETIME_FIELDS = frozenset({"at"})
BOOL_FIELDS = frozenset({"deleted", "follow_up_needed"})
ID_FIELDS = frozenset({"household_id", "head_person_id", "applicant_id", "case_id", "person_id", "visit_id",
                       "owner_id"})
MAX_TEXT = 4000
MAX_DATA_KEY = 100
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_VILLAGE_CODE = re.compile(r"\d{12}")

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


_CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def canonical_uuid(value: Any) -> str | None:
    """The lowercase canonical form of a UUID string, or None if it is not one."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    if _CANONICAL_UUID.match(value):
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


# --- stage 1: the change alone ---------------------------------------------------------------


def check_change(spec: EntitySpec, fields: Mapping[str, Any], village_code: str,
                 problems: Problems) -> dict[str, Any]:
    """Field names and value types; returns the fields with values normalised."""
    out: dict[str, Any] = {}
    plan = _PLANS[spec.name]
    for name, value in fields.items():
        checker = plan.get(name, _UNPLANNED)
        if checker is _UNPLANNED:  # not a plain field of the entity: a form value, or unknown
            if name not in _FIELDS[spec.name] and not spec.accepts(name):
                problems.add(name, ErrorCode.UNKNOWN_FIELD, f"“{spec.label}”没有字段“{name}”")
                continue
            if name.startswith(DATA_PREFIX):
                if len(name) > len(DATA_PREFIX) + MAX_DATA_KEY:
                    problems.add(name, ErrorCode.INVALID, "表单字段名过长")
                    continue
                out[name] = value
                continue
            checker = _CHECKERS.get(name, _text)
        if checker is _text and type(value) is str and len(value) <= MAX_TEXT:
            out[name] = value
            continue
        try:
            out[name] = checker(value)
        except _Bad as bad:
            problems.add(name, bad.code, f"{label(name)}：{bad.message}")
    vc = out.get("village_code")
    if "village_code" in out and vc != village_code:
        problems.add("village_code", ErrorCode.FORBIDDEN_VILLAGE,
                     f"村(社区)代码 {vc} 与本设备所属村(社区) {village_code} 不一致")
    return out


class _Bad(ValueError):
    def __init__(self, message: str, code: str = ErrorCode.INVALID) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad("应为文字")
    text = str(value)
    if len(text) > MAX_TEXT:
        raise _Bad(f"不能超过{MAX_TEXT}个字")
    return text


def _required_text(value: Any) -> str:
    text = _text(value)
    if text is None or not text.strip():
        raise _Bad("不能为空", ErrorCode.REQUIRED)
    return text.strip()


def _uuid_ref(value: Any) -> str | None:
    if value in (None, ""):
        return None
    canon = canonical_uuid(value)
    if canon is None:
        raise _Bad("记录编号格式不正确", ErrorCode.INVALID_ID)
    return canon


def _iso_date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise _Bad("日期应写成 YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise _Bad(f"日期“{value}”不存在或格式不正确，应写成 YYYY-MM-DD") from None


def _iso_datetime(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise _Bad("时间应写成 ISO 8601 格式")
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise _Bad(f"时间“{value}”不正确") from None


def _bool(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _Bad("应为 true 或 false")
    return value


def _choice(choices: tuple[str, ...] | frozenset[str], *, allow_none: bool = True) -> Callable[[Any], Any]:
    def check(value: Any) -> str | None:
        if value in (None, "") and allow_none:
            return None
        if value not in choices:
            shown = "、".join(sorted(choices)) if len(choices) < 12 else "规定的值"
            raise _Bad(f"“{value}”不是可选的值（可选：{shown}）", ErrorCode.INVALID_CHOICE)
        return value

    return check


def _int_like(value: Any) -> int | str | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise _Bad("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise _Bad("应为整数")


def _money(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad("应为金额（元）")
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise _Bad("应为金额（元），如 1234.50") from None
    if not amount.is_finite():
        raise _Bad("应为金额（元），如 1234.50")
    return str(value)


def _care_flags(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad("应为关爱标记的列表")
    bad = [f for f in value if f not in CARE_FLAGS]
    if bad:
        raise _Bad(f"“{'、'.join(bad)}”不在可选范围内", ErrorCode.INVALID_CHOICE)
    return [f for f in CARE_FLAGS if f in value]


def _visitors(value: Any) -> str | None:
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise _Bad("应为探访人姓名")
        value = "、".join(v.strip() for v in value if v.strip())
    return _text(value)


def _sha256(value: Any) -> str:
    if not isinstance(value, str) or not _SHA256.match(value.lower()):
        raise _Bad("应为64位十六进制的 SHA-256 校验值")
    return value.lower()


def _size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Bad("应为非负整数（字节）")
    return value


def _village(value: Any) -> str:
    if not isinstance(value, str) or not _VILLAGE_CODE.fullmatch(value):
        raise _Bad("村(社区)代码应为12位数字")
    return value


def _tier(value: Any) -> str | None:
    return _choice(frozenset(t.value for t in Tier))(value)


_CHECKERS: dict[str, Callable[[Any], Any]] = {
    "village_code": _village,
    "status": lambda v: v,  # case and follow-up statuses differ; checked in check_record
    "from_status": _choice(CASE_STATUSES),
    "to_status": _choice(CASE_STATUSES, allow_none=False),
    "method": _choice(VISIT_METHODS, allow_none=False),
    "care_flags": _care_flags,
    "visit_tier_override": _tier,
    "group_no": _int_like,
    "disability_grade": _int_like,
    "monthly_income": _money,
    "decision_amount": _money,
    "visitors": _visitors,
    "sha256": _sha256,
    "size": _size,
    "owner_entity": _choice(OWNER_ENTITIES, allow_none=False),
    "form_code": _required_text,
    "name": _text,
    **{f: _iso_date for f in DATE_FIELDS},
    **{f: _iso_datetime for f in DATETIME_FIELDS},
    **{f: _bool for f in BOOL_FIELDS},
    **{f: _uuid_ref for f in ID_FIELDS},
}


def _unplanned(value: Any) -> Any:
    raise AssertionError("never called: marks a name without a plan entry")


_UNPLANNED = _unplanned
#: Per entity, the checker of each of its plain (not ``data.``) fields.
_PLANS: dict[str, dict[str, Callable[[Any], Any]]] = {
    entity.value: {name: _CHECKERS.get(name, _text) for name in spec.fields if not name.startswith(DATA_PREFIX)}
    for entity, spec in SPECS.items()
}


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
    rule = _RECORD_RULES.get(entity)
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


_RECORD_RULES: dict[Entity, Callable[[dict[str, Any], set[str], date], tuple[dict[str, Any], list[FieldError]]]] = {
    Entity.HOUSEHOLD: _household_rule,
    Entity.PERSON: _person_rule,
    Entity.CASE: _case_rule,
    Entity.CASE_EVENT: _case_event_rule,
    Entity.VISIT: _visit_rule,
    Entity.FOLLOW_UP: _follow_up_rule,
}
