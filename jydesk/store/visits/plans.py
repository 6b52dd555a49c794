"""Visit plans: a person's tier (who, how often, why) and the clerk's override of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy.orm import Session

from jydesk.domain.care import (
    PLAN_RULE,
    CareAssessment,
    Tier,
    WeeklyRule,
    age_from_birth,
    assess,
    validate_override,
)
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.visits import tier_label
from jydesk.store.database import Store
from jydesk.store.models import Person
from jydesk.store.reference import visit_policy
from jydesk.store.unit_of_work import Actor


@lru_cache(maxsize=4096)
def assess_cached(flags: tuple[str, ...], age: int | None, grade: int | None, override: str | None,
                  reason: str | None, rule: WeeklyRule = PLAN_RULE) -> CareAssessment:
    """``assess`` remembered for the flag/age/grade/override/rule combinations seen (the due
    list assesses every candidate for every week)."""
    return assess(set(flags), age, disability_grade=grade, override=override, override_reason=reason, rule=rule)


def assess_person(flags: Iterable[str] | None, birth_date: date | None, on: date, *, disability_grade: int | None = None,
                  override: str | None = None, override_reason: str | None = None,
                  rule: WeeklyRule = PLAN_RULE) -> CareAssessment:
    """The visit tier of one person on ``on`` (age from the birth date in the 身份证号)."""
    return assess_cached(tuple(sorted(flags or ())), age_from_birth(birth_date, on), disability_grade,
                         override or None, override_reason, rule)


@dataclass(frozen=True, slots=True)
class VisitPlan:
    """Who, how often and why."""

    person_id: str
    name: str
    age: int | None
    assessment: CareAssessment
    override: str | None
    override_reason: str | None
    by_rule: CareAssessment  # the tier the rules give, without the clerk's override

    @property
    def tier(self) -> Tier:
        return self.assessment.tier

    @property
    def label(self) -> str:
        return tier_label(self.tier)


def visit_plan(session: Session, person_id: str, on: date) -> VisitPlan:
    """The plan of one person on a date; LookupError if there is no such person."""
    p = session.get(Person, person_id)
    if p is None or p.deleted:
        raise LookupError(f"人员 {person_id} 不存在")
    rule = WeeklyRule.from_policy(visit_policy(session))
    assessment = assess_person(p.care_flags, p.birth_date, on, disability_grade=p.disability_grade,
                               override=p.visit_tier_override, override_reason=p.visit_tier_override_reason, rule=rule)
    by_rule = assess_person(p.care_flags, p.birth_date, on, disability_grade=p.disability_grade, rule=rule)
    return VisitPlan(p.id, p.name, age_from_birth(p.birth_date, on), assessment, p.visit_tier_override,
                     p.visit_tier_override_reason, by_rule)


def set_plan_override(store: Store, actor: Actor, person_id: str, tier: str | None, reason: str | None) -> None:
    """Set (or with ``tier=None`` clear) a clerk's override of one person's visit tier.

    A reason is required and both values are audited by the unit of work (old -> new).
    """
    tier = tier or None
    reason = (reason or "").strip() or None
    validate_override(tier, reason)
    if reason and len(reason) > 200:
        raise ValidationError(FieldError("visit_tier_override_reason", "调整理由不能超过200个字"))
    with store.write(actor) as w:
        person = w.session.get(Person, person_id)
        if person is None or person.deleted:
            raise ValidationError(FieldError("person_id", "该人员不存在或已删除", "missing"))
        if tier is None:
            reason = None
        if person.visit_tier_override != tier:
            person.visit_tier_override = tier
        if person.visit_tier_override_reason != reason:
            person.visit_tier_override_reason = reason
