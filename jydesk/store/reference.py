"""Reference data pulled from the city server (``reference_data``), read where it is used so a
record counts from the moment it arrives (no restart): who confirms in this village's town
(县级 until a setting arrives; ``jydesk.domain.approval``), the holiday schedule by year, benefit
standards and the weekly visit rule (``jydesk.domain.reference_data``). Without a record the
shipped data applies."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jydesk.domain import reference_data as rd
from jydesk.domain.approval import APPROVAL_KIND, DEFAULT_LEVEL, ApprovalLevel, town_of
from jydesk.domain.care import WeeklyRule
from jydesk.domain.standards import BenefitStandard, from_reference
from jydesk.domain.workdays import CalendarDay
from jydesk.store.database import Store
from jydesk.store.sync_models import ReferenceRecord

log = logging.getLogger(__name__)


def approval_in(session: Session, village_code: str | None) -> ApprovalLevel:
    """The level that confirms in the town of ``village_code`` (the setting pulled from the city)."""
    if not village_code:
        return DEFAULT_LEVEL
    value = session.execute(select(ReferenceRecord.value).where(
        ReferenceRecord.kind == APPROVAL_KIND, ReferenceRecord.key == town_of(village_code))).scalar()
    try:
        return ApprovalLevel(value) if value else DEFAULT_LEVEL
    except ValueError:
        return DEFAULT_LEVEL


def town_approval(store: Store) -> ApprovalLevel:
    """Who confirms in this installation's town."""
    with store.read() as s:
        return approval_in(s, store.village_code())


def records(session: Session, kind: str) -> dict[str, str]:
    """key -> value of the city's records of ``kind``."""
    rows = session.execute(select(ReferenceRecord.key, ReferenceRecord.value).where(ReferenceRecord.kind == kind))
    return {k: v for k, v in rows}


def _checked(kind: str, key: str, value: str) -> Any:
    """The parsed value, or None (logged) for a record this version cannot read."""
    try:
        rd.normalize(kind, key, value)
        return json.loads(value)
    except (rd.ReferenceError, ValueError):
        log.warning("参考数据无法读取，已忽略：%s %s", kind, key)
        return None


def city_holidays(session: Session) -> dict[int, list[CalendarDay]]:
    """The holiday schedules the city sent, by year (each replaces that year's table)."""
    result: dict[int, list[CalendarDay]] = {}
    for key, value in records(session, rd.HOLIDAYS_KIND).items():
        if _checked(rd.HOLIDAYS_KIND, key, value) is not None:
            result[int(key)] = rd.holiday_days(int(key), value)
    return result


def city_standards(session: Session) -> list[BenefitStandard]:
    """The benefit standards the city sent (they win over shipped and local rows of the same key)."""
    result = []
    for key, value in records(session, rd.STANDARD_KIND).items():
        data = _checked(rd.STANDARD_KIND, key, value)
        if data is not None:
            result.append(from_reference(key, data))
    return result


def visit_policy(session: Session) -> dict[str, Any]:
    """Who is visited weekly: the city's rule, else the plan's (``DEFAULT_VISIT_POLICY``)."""
    value = records(session, rd.VISIT_POLICY_KIND).get("weekly")
    data = _checked(rd.VISIT_POLICY_KIND, "weekly", value) if value else None
    return data or rd.DEFAULT_VISIT_POLICY


def weekly_rule(store: Store) -> WeeklyRule:
    """The weekly visit rule now in force (the city's, else the plan's)."""
    with store.read() as s:
        return WeeklyRule.from_policy(visit_policy(s))
