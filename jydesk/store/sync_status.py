"""Sync badges of records for the lists: 待同步 / 已同步 / 被退回 / 冲突, in bulk.

A list model asks for the badges of the page of ids it is about to show (one query per
kind of state, index-backed by ``outbox.record_id`` and ``sync_conflicts``), or filters its
query with :func:`badge_filter`. Precedence when several apply: 冲突, 被退回, 待同步.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import Session

    from jydesk.store.models import SyncRecord


class Badge(StrEnum):
    WAITING = "待同步"
    SYNCED = "已同步"
    REJECTED = "被退回"
    CONFLICT = "冲突"


def badges(db: sqlite3.Connection, entity: str, ids: Iterable[str]) -> dict[str, Badge]:
    """The badge of every id in ``ids`` (records of ``entity``), over ``store.sql()``."""
    wanted = list(dict.fromkeys(ids))
    out = dict.fromkeys(wanted, Badge.SYNCED)
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for rid, state in db.execute(f"SELECT record_id, state FROM outbox WHERE entity = ? AND record_id IN ({marks})",
                                     (entity, *chunk)):
            if state == "rejected":
                out[rid] = Badge.REJECTED
            elif out[rid] is Badge.SYNCED:
                out[rid] = Badge.WAITING
        for (rid,) in db.execute(f"SELECT record_id FROM sync_conflicts WHERE entity = ? AND record_id IN ({marks}) "
                                 "AND resolved_at IS NULL", (entity, *chunk)):
            out[rid] = Badge.CONFLICT
    return out


def badge_filter(model: type[SyncRecord], badge: Badge | str) -> ColumnElement[bool]:
    """A WHERE clause keeping the records of ``model`` that show ``badge``."""
    from sqlalchemy import and_, exists, not_, or_

    from jydesk.store.models import OutboxEntry
    from jydesk.store.sync_models import SyncConflict

    entity = model.__entity__.value
    badge = Badge(badge)
    o, c = OutboxEntry, SyncConflict
    conflict = exists().where(c.entity == entity, c.record_id == model.id, c.resolved_at.is_(None))
    rejected = exists().where(o.entity == entity, o.record_id == model.id, o.state == "rejected")
    waiting = exists().where(o.entity == entity, o.record_id == model.id)
    if badge is Badge.CONFLICT:
        return conflict
    if badge is Badge.REJECTED:
        return and_(rejected, not_(conflict))
    if badge is Badge.WAITING:
        return and_(waiting, not_(rejected), not_(conflict))
    return not_(or_(waiting, conflict))


def counts(session: Session) -> dict[Badge, int]:
    """How many records show each badge other than 已同步 (for the 同步 panel and status bar)."""
    from sqlalchemy import func, select

    from jydesk.store.models import OutboxEntry
    from jydesk.store.sync_models import SyncConflict

    o, c = OutboxEntry, SyncConflict
    rejected = session.execute(select(func.count()).select_from(
        select(o.entity, o.record_id).where(o.state == "rejected").distinct().subquery())).scalar_one()
    waiting = session.execute(select(func.count()).select_from(
        select(o.entity, o.record_id).where(o.state != "rejected").distinct().subquery())).scalar_one()
    conflicts = session.execute(select(func.count()).select_from(c).where(c.resolved_at.is_(None))).scalar_one()
    return {Badge.WAITING: int(waiting), Badge.REJECTED: int(rejected), Badge.CONFLICT: int(conflicts)}


def badge_where_sql(entity: str, badge: Badge | str, alias: str = "x") -> str:
    """The same condition as :func:`badge_filter` as raw SQL over ``<alias>.id`` (for the
    windowed listings of ``jydesk.store.registry``, which are written in SQL)."""
    if entity not in _ENTITIES:
        raise ValueError(entity)
    badge = Badge(badge)
    conflict = (f"EXISTS (SELECT 1 FROM sync_conflicts c WHERE c.entity = '{entity}' AND c.record_id = {alias}.id "
                "AND c.resolved_at IS NULL)")
    rejected = (f"EXISTS (SELECT 1 FROM outbox o WHERE o.entity = '{entity}' AND o.record_id = {alias}.id "
                "AND o.state = 'rejected')")
    waiting = f"EXISTS (SELECT 1 FROM outbox o WHERE o.entity = '{entity}' AND o.record_id = {alias}.id)"
    if badge is Badge.CONFLICT:
        return conflict
    if badge is Badge.REJECTED:
        return f"({rejected} AND NOT {conflict})"
    if badge is Badge.WAITING:
        return f"({waiting} AND NOT {rejected} AND NOT {conflict})"
    return f"(NOT {waiting} AND NOT {conflict})"


_ENTITIES = frozenset({"household", "person", "case", "case_event", "visit", "follow_up", "attachment"})
