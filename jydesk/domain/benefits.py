"""After approval: the 在保对象 register, periodic reviews, changes and life events (pure rules).

Sources (2021 national rules; where the issue and they differ, they win):
- 低保 动态管理 (最低生活保障审核确认办法 §31; 关于改革完善社会救助制度的意见 §7): households whose
  situation changes little are checked yearly; those with unstable income **or** members able
  to work every six months.
- 特困: once a year (意见 §7). 两项补贴: yearly (county practice). 事实无人抚养儿童: no national
  interval — yearly as the city's plan says. 高龄津贴 生存认证: no Sichuan rule — yearly (the
  plan); every interval is reference data the city can change (kind ``benefit_rule``).
- 渐退期: the plan allows up to 12 months (the 2022 national notice: in principle ≤ 6);
  reference data, default 12.
- 减发/停发 must tell the household the reason (办法 §32); a member's death: re-check the
  household within 3 months (2022 notice §1(三)).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from jydesk.domain.errors import FieldError

#: Benefits with a register (临时救助 is paid once and has none): form code -> name.
BENEFITS: dict[str, str] = {"dibao": "低保", "tekun": "特困", "canji": "两项补贴", "gaoling": "高龄津贴",
                            "wuren": "事实无人抚养儿童"}
#: Benefits paid to the household (保障人数 = its members); the others to one person.
HOUSEHOLD_BENEFITS = frozenset({"dibao"})
REVIEW_KIND = "复核"
PROOF_KIND = "生存认证"
REVIEW_KINDS = (REVIEW_KIND, PROOF_KIND)
#: The form of each review kind (forms/review.toml, forms/proof.toml).
REVIEW_FORMS = {REVIEW_KIND: "review", PROOF_KIND: "proof"}
PROOF_METHODS = ("入户", "视频", "电话", "到场")
REVIEW_OUTCOMES = ("无变化", "建议变更")
SOURCES = ("审批", "导入")
BENEFIT_RULE_KIND = "benefit_rule"
TAPER_KEY = "taper"


class RecipientStatus(StrEnum):
    ACTIVE = "在保"
    SUSPENDED = "暂停"
    TAPERING = "渐退"
    STOPPED = "停保"


class ChangeKind(StrEnum):
    RAISE = "增发"
    REDUCE = "减发"
    STOP = "停发"
    SUSPEND = "暂停"
    RESUME = "恢复"


class ChangeSource(StrEnum):
    REVIEW = "复核"
    VISIT = "探访"
    DEATH = "死亡"
    MOVED = "迁出"
    OTHER = "其他"


class LifeEventKind(StrEnum):
    DEATH = "死亡"
    MOVED_OUT = "迁出"


PENDING = "待审批"
APPROVE = "批准"
REFUSE = "不予批准"
DECISIONS = (APPROVE, REFUSE)
LIVE = (RecipientStatus.ACTIVE, RecipientStatus.SUSPENDED, RecipientStatus.TAPERING)
#: From which statuses a change may be proposed.
ALLOWED_FROM: dict[ChangeKind, tuple[RecipientStatus, ...]] = {
    ChangeKind.RAISE: (RecipientStatus.ACTIVE,),
    ChangeKind.REDUCE: (RecipientStatus.ACTIVE,),
    ChangeKind.STOP: LIVE,
    ChangeKind.SUSPEND: (RecipientStatus.ACTIVE,),
    ChangeKind.RESUME: (RecipientStatus.SUSPENDED,),
}
MAX_AMOUNT = Decimal("100000")


@dataclass(frozen=True, slots=True)
class BenefitRule:
    """How often a benefit is reviewed and with which kind of review."""

    review_months: int
    review_kind: str = REVIEW_KIND
    able_months: int | None = None  # 低保: households with members able to work / unstable income


DEFAULT_RULES: dict[str, BenefitRule] = {
    "dibao": BenefitRule(12, REVIEW_KIND, 6),
    "tekun": BenefitRule(12),
    "canji": BenefitRule(12),
    "wuren": BenefitRule(12),
    "gaoling": BenefitRule(12, PROOF_KIND),
}
DEFAULT_TAPER_MONTHS = 12


class BenefitError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_rule(key: str, value: Any) -> tuple[str, str]:
    """The stored (key, value) of a ``benefit_rule`` record; BenefitError naming the field."""
    data = json.loads(value) if isinstance(value, str) else value
    if key == TAPER_KEY:
        months = data.get("max_months") if isinstance(data, dict) else None
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 24:
            raise BenefitError("max_months", "渐退期最长月数应为 1 到 24 的整数")
        return key, json.dumps({"max_months": months})
    if key not in BENEFITS:
        raise BenefitError("key", f"复核规则的键“{key}”应为 {'、'.join(BENEFITS)} 或 {TAPER_KEY} 之一")
    if not isinstance(data, dict):
        raise BenefitError("value", "复核规则应为 {\"review_months\": 12}")
    out: dict[str, Any] = {}
    for name in ("review_months", "able_months"):
        months = data.get(name)
        if months is None and name == "able_months":
            continue
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 36:
            raise BenefitError(name, f"{name} 应为 1 到 36 的整数（月）")
        out[name] = months
    kind = data.get("review_kind", DEFAULT_RULES[key].review_kind)
    if kind not in REVIEW_KINDS:
        raise BenefitError("review_kind", f"复核方式应为{'或'.join(REVIEW_KINDS)}")
    out["review_kind"] = kind
    return key, json.dumps(out, ensure_ascii=False, sort_keys=True)


def rules_from(records: dict[str, str]) -> tuple[dict[str, BenefitRule], int]:
    """The rules per benefit and the longest 渐退期 from the city's records (defaults else)."""
    rules = dict(DEFAULT_RULES)
    taper = DEFAULT_TAPER_MONTHS
    for key, value in records.items():
        try:
            key, text = parse_rule(key, value)
        except (BenefitError, ValueError, AttributeError):
            continue
        data = json.loads(text)
        if key == TAPER_KEY:
            taper = data["max_months"]
        else:
            rules[key] = BenefitRule(data["review_months"], data["review_kind"], data.get("able_months"))
    return rules, taper


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


def month_start(month: str) -> date:
    """``YYYY-MM`` -> its first day (ValueError if not a month)."""
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def past_date(value: Any, field: str, label: str, today: date) -> tuple[date, FieldError | None]:
    """``value`` read as a day no later than ``today``: (the day, or ``today`` if unreadable; the error)."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return today, FieldError(field, f"{label}“{value}”应写成 YYYY-MM-DD")
    if day > today:
        return day, FieldError(field, f"{label}不能晚于今天")
    return day, None


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def able_to_work(age: int | None, disability_grade: int | None, health: str | None) -> bool:
    """A member of working age (16–59) not severely disabled nor seriously ill."""
    return (age is not None and 16 <= age < 60 and disability_grade not in (1, 2)
            and (health or "") not in ("重病", "失能"))


def interval_months(benefit: str, rules: dict[str, BenefitRule], has_able_member: bool) -> int:
    rule = rules.get(benefit) or BenefitRule(12)
    if has_able_member and rule.able_months:
        return rule.able_months
    return rule.review_months


class DueState(StrEnum):
    OVERDUE = "已逾期"
    DUE = "本月到期"
    LATER = "未到期"


def due_on(start_month: str | None, last_review: date | None, months: int) -> date:
    """When the next review is due: ``months`` after the last one, else after the start month."""
    base = last_review or (month_start(start_month) if start_month else date(2000, 1, 1))
    return add_months(base, months)


def due_state(due: date, today: date) -> DueState:
    if (due.year, due.month) < (today.year, today.month):
        return DueState.OVERDUE
    if (due.year, due.month) == (today.year, today.month):
        return DueState.DUE
    return DueState.LATER


def amount_value(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BenefitError(field, f"金额“{value}”不是数字") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise BenefitError(field, "金额应大于0、不超过100000元，最多两位小数")
    return amount


def check_change(fields: dict[str, Any], max_taper: int = DEFAULT_TAPER_MONTHS) -> list[FieldError]:
    """Problems of a proposed change (``benefit_change`` fields); the client and the server both
    run this. ``status_before``/``amount_before`` are the register row as the clerk saw it."""
    errors: list[FieldError] = []
    try:
        kind = ChangeKind(fields.get("kind"))
    except ValueError:
        return [FieldError("kind", f"变更类别应为{'、'.join(k.value for k in ChangeKind)}之一")]
    if not str(fields.get("reason") or "").strip():
        errors.append(FieldError("reason", "请填写变更理由"))
    if fields.get("source") not in (None, *(s.value for s in ChangeSource)):
        errors.append(FieldError("source", f"变更来源应为{'、'.join(s.value for s in ChangeSource)}之一"))
    before = fields.get("status_before")
    if before is not None and before not in ALLOWED_FROM[kind]:
        errors.append(FieldError("kind", f"保障状态为“{before}”时不能{kind.value}"))
    if kind in (ChangeKind.RAISE, ChangeKind.REDUCE):
        try:
            new = amount_value(fields.get("proposed_amount"), "proposed_amount")
            old = Decimal(str(fields.get("amount_before") or "0"))
            if kind is ChangeKind.RAISE and new <= old:
                errors.append(FieldError("proposed_amount", f"增发后的金额应高于现在的 {old} 元"))
            if kind is ChangeKind.REDUCE and new >= old:
                errors.append(FieldError("proposed_amount", f"减发后的金额应低于现在的 {old} 元"))
        except BenefitError as exc:
            errors.append(FieldError(exc.field, str(exc)))
        except InvalidOperation:
            errors.append(FieldError("amount_before", "原金额不是数字"))
    taper = fields.get("taper_months")
    if taper not in (None, 0, ""):
        if kind is not ChangeKind.STOP:
            errors.append(FieldError("taper_months", "只有停发可以设渐退期"))
        elif not isinstance(taper, int) or isinstance(taper, bool) or not 1 <= taper <= max_taper:
            errors.append(FieldError("taper_months", f"渐退期应为 1 到 {max_taper} 个月"))
    return errors


@dataclass(frozen=True, slots=True)
class RegisterChange:
    """What an approved change sets on the register row."""

    status: str
    amount: str | None
    taper_end_month: str | None
    stop_month: str | None


def decided(kind: str, amount: str | None, effective_month: str, taper_months: int | None,
            current_amount: str | None) -> RegisterChange:
    """The register row after an approved change taking effect in ``effective_month``."""
    k = ChangeKind(kind)
    if k in (ChangeKind.RAISE, ChangeKind.REDUCE):
        return RegisterChange(RecipientStatus.ACTIVE, amount, None, None)
    if k is ChangeKind.SUSPEND:
        return RegisterChange(RecipientStatus.SUSPENDED, current_amount, None, None)
    if k is ChangeKind.RESUME:
        return RegisterChange(RecipientStatus.ACTIVE, current_amount, None, None)
    if taper_months:
        end = month_of(add_months(month_start(effective_month), taper_months - 1))
        return RegisterChange(RecipientStatus.TAPERING, current_amount, end, month_of(
            add_months(month_start(effective_month), taper_months)))
    return RegisterChange(RecipientStatus.STOPPED, current_amount, None, effective_month)


def status_in(status: str, taper_end_month: str | None, month: str) -> str:
    """The status in ``month``: a 渐退期 past its end is 停保."""
    if status == RecipientStatus.TAPERING and taper_end_month and month > taper_end_month:
        return RecipientStatus.STOPPED.value
    return status


def paid_in(status: str, taper_end_month: str | None, start_month: str | None, stop_month: str | None,
            month: str) -> bool:
    """Whether the row is paid in ``month`` (在保 or within its 渐退期, started, not stopped)."""
    if start_month and month < start_month:
        return False
    if stop_month and month >= stop_month:
        return False
    return status_in(status, taper_end_month, month) in (RecipientStatus.ACTIVE, RecipientStatus.TAPERING)


def mask_name(name: str) -> str:
    """A name as posted on the village board: the surname kept, the rest as ＊ (张＊＊)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    return name[0] + "＊" * (len(name) - 1)
