"""Saved visits: a person's visits and the visits of a week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jydesk.domain.visits import IsoWeek
from jydesk.store.models import Visit


@dataclass(frozen=True, slots=True)
class VisitRow:
    id: str
    person_id: str
    visited_on: date
    method: str
    visitors: str | None
    follow_up_needed: bool
    next_visit_on: date | None
    data: dict[str, Any]


def visits_of(session: Session, person_id: str, limit: int = 50) -> list[VisitRow]:
    """A person's visits, newest first."""
    rows = session.execute(select(Visit).where(Visit.person_id == person_id, Visit.deleted.is_(False))
                           .order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(limit)).scalars()
    return [VisitRow(v.id, v.person_id, v.visited_on, v.method, v.visitors, v.follow_up_needed, v.next_visit_on,
                     dict(v.data or {})) for v in rows]


def visits_in_week(session: Session, week: IsoWeek | str) -> list[VisitRow]:
    """Every visit dated inside ``week``, by date (for printing the week's filled sheets)."""
    week = IsoWeek.parse(week) if isinstance(week, str) else week
    rows = session.execute(select(Visit).where(Visit.deleted.is_(False), Visit.visited_on >= week.monday,
                                               Visit.visited_on <= week.sunday)
                           .order_by(Visit.visited_on, Visit.id)).scalars()
    return [VisitRow(v.id, v.person_id, v.visited_on, v.method, v.visitors, v.follow_up_needed, v.next_visit_on,
                     dict(v.data or {})) for v in rows]
