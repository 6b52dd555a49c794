"""Value checkers of stage 1 of ``sync.server.validation``: one per kind of field.

A checker takes the value as sent and returns it normalised, or raises :class:`Bad` with
the Chinese reason. :data:`PLANS` holds, per entity, the checker of each plain field.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jydesk.domain.care import CARE_FLAGS, Tier
from jydesk.domain.entities import DATA_PREFIX, SERVER_STATUSES, SPECS, CaseStatus, Entity
from jydesk.domain.register import REGISTER_NO
from jydesk.domain.text import TextProblem, clean, clean_value, halfwidth
from jydesk.domain.visits import VISIT_METHODS
from sync.protocol.errors import ErrorCode

CASE_STATUSES = frozenset(s.value for s in CaseStatus)
#: Statuses only reviewers set (审核中/已批准/不予批准, and 退回补正 which sends a case back).
REVIEWER_STATUSES = frozenset({*SERVER_STATUSES, CaseStatus.RETURNED})
FOLLOW_UP_STATUSES = ("未办结", "已办结")
OWNER_ENTITIES = (Entity.CASE.value, Entity.VISIT.value, Entity.PERSON.value, Entity.HOUSEHOLD.value)
DATE_FIELDS = frozenset({"applied_on", "accepted_on", "publicity_start", "publicity_end", "submitted_on",
                         "visited_on", "next_visit_on", "closed_on", "reviewed_on", "proposed_on", "decision_on",
                         "happened_on"})
DATETIME_FIELDS = frozenset({"at"})
BOOL_FIELDS = frozenset({"deleted", "follow_up_needed"})
ID_FIELDS = frozenset({"household_id", "head_person_id", "applicant_id", "case_id", "person_id", "visit_id",
                       "owner_id", "recipient_id", "source_id"})
MONTH_FIELDS = frozenset({"start_month", "taper_end_month", "stop_month", "effective_month"})
_MONTH = re.compile(r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$")
MAX_TEXT = 4000
MAX_DATA_KEY = 100
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_VILLAGE_CODE = re.compile(r"\d{12}")

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


class Bad(ValueError):
    def __init__(self, message: str, code: str = ErrorCode.INVALID) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def text_value(value: Any) -> str | None:
    """Text as stored (``jydesk.domain.text.clean``: no NUL, control or bidi characters)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Bad("应为文字，不能是列表或对象")
    text = clean(str(value))
    if len(text) > MAX_TEXT:
        raise Bad(f"不能超过{MAX_TEXT}个字")
    return text


def form_value(value: Any) -> Any:
    """A form value (``data.<key>``) with its text cleaned; nesting and text length bounded.
    Whether it is the right kind of value for the form is stage 2 (the form engine)."""
    try:
        return clean_value(value, max_length=MAX_TEXT)
    except TextProblem as problem:
        raise Bad(problem.message) from None


def _required_text(value: Any) -> str:
    text = text_value(value)
    if not text:
        raise Bad("不能为空", ErrorCode.REQUIRED)
    return text


def _uuid_ref(value: Any) -> str | None:
    if value in (None, ""):
        return None
    canon = canonical_uuid(value)
    if canon is None:
        raise Bad("记录编号格式不正确", ErrorCode.INVALID_ID)
    return canon


def _iso_date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise Bad("日期应写成 YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise Bad(f"日期“{value}”不存在或格式不正确，应写成 YYYY-MM-DD") from None


def _iso_datetime(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise Bad("时间应写成 ISO 8601 格式")
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise Bad(f"时间“{value}”不正确") from None


def _bool(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise Bad("应为 true 或 false")
    return value


def _choice(choices: tuple[str, ...] | frozenset[str], *, allow_none: bool = True) -> Callable[[Any], Any]:
    def check(value: Any) -> str | None:
        if value in (None, "") and allow_none:
            return None
        if value not in choices:
            shown = "、".join(sorted(choices)) if len(choices) < 12 else "规定的值"
            raise Bad(f"“{value}”不是可选的值（可选：{shown}）", ErrorCode.INVALID_CHOICE)
        return value

    return check


def _int_like(value: Any) -> int | str | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise Bad("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = halfwidth(clean(value))
        if text.isascii() and text.lstrip("-").isdigit():
            try:
                return int(text)
            except ValueError:
                pass
    raise Bad("应为整数")


def _money(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Bad("应为金额（元）")
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise Bad("应为金额（元），如 1234.50") from None
    if not amount.is_finite():
        raise Bad("应为金额（元），如 1234.50")
    return str(value)


def _month(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _MONTH.match(value):
        raise Bad("月份应写成 YYYY-MM，例如 2026-07")
    return value


def _care_flags(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Bad("应为关爱标记的列表")
    bad = [f for f in value if f not in CARE_FLAGS]
    if bad:
        raise Bad(f"“{'、'.join(bad)}”不在可选范围内", ErrorCode.INVALID_CHOICE)
    return [f for f in CARE_FLAGS if f in value]


def _visitors(value: Any) -> str | None:
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise Bad("应为探访人姓名")
        value = "、".join(v.strip() for v in value if v.strip())
    return text_value(value)


def _sha256(value: Any) -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value.lower()):
        raise Bad("应为64位十六进制的 SHA-256 校验值")
    return value.lower()


def _size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Bad("应为非负整数（字节）")
    return value


def _village(value: Any) -> str:
    if not isinstance(value, str) or not _VILLAGE_CODE.fullmatch(value):
        raise Bad("村(社区)代码应为12位数字")
    return value


def _form_version(value: Any) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 999:
        raise Bad("表单版本应为1至999的整数")
    return value


def _register_no(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not REGISTER_NO.fullmatch(value):
        raise Bad("登记编号格式应如 510185001001-低保-2026-01-0007")
    return value


def _tier(value: Any) -> str | None:
    return _choice(frozenset(t.value for t in Tier))(value)


CHECKERS: dict[str, Callable[[Any], Any]] = {
    "village_code": _village,
    "status": lambda v: v,  # case and follow-up statuses differ; checked in check_record
    "from_status": _choice(CASE_STATUSES),
    "to_status": _choice(CASE_STATUSES, allow_none=False),
    "method": _choice(VISIT_METHODS, allow_none=False),
    "care_flags": _care_flags,
    "visit_tier_override": _tier,
    "group_no": _int_like,
    "disability_grade": _int_like,
    "extension_days": _int_like,
    "objection_rounds": _int_like,
    "monthly_income": _money,
    "decision_amount": _money,
    "amount": _money,
    "amount_before": _money,
    "proposed_amount": _money,
    "persons": _int_like,
    "taper_months": _int_like,
    **{f: _month for f in MONTH_FIELDS},
    "visitors": _visitors,
    "sha256": _sha256,
    "size": _size,
    "owner_entity": _choice(OWNER_ENTITIES, allow_none=False),
    "form_code": _required_text,
    "form_version": _form_version,
    "register_no": _register_no,
    "name": text_value,
    **{f: _iso_date for f in DATE_FIELDS},
    **{f: _iso_datetime for f in DATETIME_FIELDS},
    **{f: _bool for f in BOOL_FIELDS},
    **{f: _uuid_ref for f in ID_FIELDS},
}


def _unplanned(value: Any) -> Any:
    raise AssertionError("never called: marks a name without a plan entry")


UNPLANNED = _unplanned
#: Per entity, the checker of each of its plain (not ``data.``) fields.
PLANS: dict[str, dict[str, Callable[[Any], Any]]] = {
    entity.value: {name: CHECKERS.get(name, text_value) for name in spec.fields if not name.startswith(DATA_PREFIX)}
    for entity, spec in SPECS.items()
}
