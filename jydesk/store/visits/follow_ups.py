"""Follow-up items opened by visits: listing them and closing one with how it was handled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.store.database import Store
from jydesk.store.models import FollowUp, Person, Visit
from jydesk.store.unit_of_work import Actor

FOLLOW_UP_OPEN = "未办结"
FOLLOW_UP_CLOSED = "已办结"
FOLLOW_UP_MAX = 500


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    id: str
    person_id: str
    person_name: str
    visit_id: str | None
    visited_on: date | None
    description: str
    status: str
    closed_on: date | None
    closed_note: str | None


def follow_ups(session: Session, *, person_id: str | None = None, open_only: bool = True) -> list[FollowUpRow]:
    """Follow-up items (open ones by default), oldest visit first."""
    stmt = (select(FollowUp.id, FollowUp.person_id, Person.name, FollowUp.visit_id, Visit.visited_on,
                   FollowUp.description, FollowUp.status, FollowUp.closed_on, FollowUp.closed_note)
            .join(Person, Person.id == FollowUp.person_id)
            .outerjoin(Visit, Visit.id == FollowUp.visit_id)
            .where(FollowUp.deleted.is_(False))
            .order_by(Visit.visited_on, FollowUp.id))
    if person_id is not None:
        stmt = stmt.where(FollowUp.person_id == person_id)
    if open_only:
        stmt = stmt.where(FollowUp.status == FOLLOW_UP_OPEN)
    return [FollowUpRow(*r) for r in session.execute(stmt)]


def close_follow_up(store: Store, actor: Actor, follow_up_id: str, note: str, *, closed_on: date | None = None) -> None:
    """Mark a follow-up item done, saying how it was handled (处理/转介 情况)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError(FieldError("closed_note", "请填写处理情况", "required"))
    if len(note) > FOLLOW_UP_MAX:
        raise ValidationError(FieldError("closed_note", f"处理情况不能超过{FOLLOW_UP_MAX}个字"))
    closed_on = closed_on or date.today()
    with store.write(actor) as w:
        item = w.session.get(FollowUp, follow_up_id)
        if item is None or item.deleted:
            raise ValidationError(FieldError("follow_up", "该跟进事项不存在或已被删除", "missing"))
        if item.status == FOLLOW_UP_CLOSED:
            raise ValidationError(FieldError("follow_up", "该跟进事项已经办结"))
        item.status, item.closed_on, item.closed_note = FOLLOW_UP_CLOSED, closed_on, note
