"""Reference data pulled from the city server (``reference_data``). First kind: who confirms in
this village's town (县级 until a setting arrives; ``jydesk.domain.approval``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jydesk.domain.approval import APPROVAL_KIND, DEFAULT_LEVEL, ApprovalLevel, town_of
from jydesk.store.database import Store
from jydesk.store.sync_models import ReferenceRecord


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
