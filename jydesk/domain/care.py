"""Who among the elderly must be visited, and how often.

Target group: people aged 60 or over with at least one care flag (or a disability). Tiers:
- 高风险 (weekly, the plan's 特殊困难老年人): exactly the group of the city's plan — aged 60+ and any of
  独居、孤寡、高龄、重病、残疾、经济特困 (成办发〔2022〕28号 sets 兜底保障老年人周探访率 100%). The
  rule is reference data the city can change (``WeeklyRule``, ``jydesk.domain.reference_data``).
- 重点 (monthly): any of 独居, 孤寡, 失能, 重残, 高龄 (80+), 经济特困, 重病 not in the weekly group
  (重病 was always weekly before; under a narrower city rule it stays at least monthly).
- 一般 (quarterly): the remaining target flags (空巢, 留守).
残疾 is any disability grade (1–4) or the 重残 flag. A clerk may override one person's tier
with a reason; the override wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.idnumber import age_on


class CareFlag(StrEnum):
    LIVING_ALONE = "独居"
    EMPTY_NEST = "空巢"
    LEFT_BEHIND = "留守"
    NO_FAMILY = "孤寡"
    DISABLED_CARE = "失能"
    SEVERE_DISABILITY = "重残"
    OLDEST_OLD = "高龄"
    SERIOUS_ILLNESS = "重病"
    POOR = "经济特困"


# Flags the clerk sets; 高龄 is derived from age and 重残 may also be derived from grade 1-2.
CARE_FLAGS: tuple[str, ...] = tuple(f.value for f in CareFlag)


class Tier(StrEnum):
    HIGH = "high"
    FOCUS = "focus"
    GENERAL = "general"
    NONE = "none"


TIER_NAMES = {Tier.HIGH: "高风险", Tier.FOCUS: "重点", Tier.GENERAL: "一般", Tier.NONE: "不在探访范围"}
TIER_INTERVAL_DAYS = {Tier.HIGH: 7, Tier.FOCUS: 30, Tier.GENERAL: 91}
TIER_FREQUENCY = {Tier.HIGH: "每周", Tier.FOCUS: "每月", Tier.GENERAL: "每季度", Tier.NONE: "—"}
TARGET_AGE = 60
OLDEST_OLD_AGE = 80


#: The derived flag a weekly rule may name: any disability grade, or the 重残 flag.
DISABLED = "残疾"


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Who is visited weekly: aged ``min_age`` or over and any of ``any_of`` (care flags, 残疾)."""

    min_age: int
    any_of: frozenset[str]

    @classmethod
    def from_policy(cls, policy: dict[str, object]) -> WeeklyRule:
        flags = policy.get("any_of") or ()
        return cls(int(policy.get("min_age", TARGET_AGE)), frozenset(str(f) for f in flags))  # type: ignore[call-overload,union-attr]

    def matches(self, flags: frozenset[str], age: int | None, disability_grade: int | None) -> frozenset[str]:
        """The flags that put the person in the weekly group (empty: not in it)."""
        if age is None or age < self.min_age:
            return frozenset()
        have = set(flags)
        if disability_grade is not None or CareFlag.SEVERE_DISABILITY in flags:
            have.add(DISABLED)
        return frozenset(have & self.any_of)

    @property
    def text(self) -> str:
        return f"{self.min_age}岁以上且{'、'.join(sorted(self.any_of))}之一"


#: The plan's rule, used until the city sends its own.
PLAN_RULE = WeeklyRule(60, frozenset({"独居", "孤寡", "高龄", "重病", DISABLED, "经济特困"}))


@dataclass(frozen=True, slots=True)
class CareAssessment:
    tier: Tier
    effective_flags: frozenset[str]
    reason: str
    overridden: bool = False

    @property
    def interval_days(self) -> int | None:
        return TIER_INTERVAL_DAYS.get(self.tier)


def effective_flags(flags: set[str] | frozenset[str] | list[str], age: int | None,
                    disability_grade: int | None = None) -> frozenset[str]:
    """The clerk's flags plus the derived ones (高龄 from age, 重残 from grade 1–2)."""
    result = {f for f in flags if f in CARE_FLAGS}
    if age is not None and age >= OLDEST_OLD_AGE:
        result.add(CareFlag.OLDEST_OLD.value)
    if disability_grade in (1, 2):
        result.add(CareFlag.SEVERE_DISABILITY.value)
    return frozenset(result)


def assess(flags: set[str] | frozenset[str] | list[str], age: int | None, *,
           disability_grade: int | None = None, override: str | None = None,
           override_reason: str | None = None, rule: WeeklyRule = PLAN_RULE) -> CareAssessment:
    """The visit tier for one person from age, flags, the weekly ``rule`` and an optional override."""
    eff = effective_flags(flags, age, disability_grade)
    if override:
        tier = Tier(override)
        return CareAssessment(tier, eff, f"人工调整：{override_reason or ''}".rstrip("："), overridden=True)
    weekly = rule.matches(eff, age, disability_grade)
    if weekly:
        return CareAssessment(Tier.HIGH, eff, f"特殊困难老年人（{'、'.join(sorted(weekly))}）")
    if age is None or age < TARGET_AGE or not eff:
        return CareAssessment(Tier.NONE, eff, "未满60岁或无关爱标记" if eff or age is None or age < TARGET_AGE else "无关爱标记")
    focus = eff & {CareFlag.LIVING_ALONE, CareFlag.NO_FAMILY, CareFlag.DISABLED_CARE,
                   CareFlag.SEVERE_DISABILITY, CareFlag.OLDEST_OLD, CareFlag.POOR, CareFlag.SERIOUS_ILLNESS}
    if focus:
        return CareAssessment(Tier.FOCUS, eff, "、".join(sorted(focus)))
    return CareAssessment(Tier.GENERAL, eff, "、".join(sorted(eff)))


def validate_override(tier: str | None, reason: str | None) -> None:
    """An override needs a known tier and a reason the audit log can show."""
    if not tier:
        return
    if tier not in {t.value for t in Tier}:
        raise ValidationError(FieldError("visit_tier_override", "探访等级不正确"))
    if not (reason or "").strip():
        raise ValidationError(FieldError("visit_tier_override_reason", "人工调整探访等级必须填写理由"))


def age_from_birth(birth: date | None, on: date) -> int | None:
    return age_on(birth, on) if birth else None
