"""Forming batches from the outbox: coalesce, order, cut, and fix the batch id BEFORE sending.

Pending rows of one record are merged into its earliest row (later values win, the earliest
``base_revision`` is kept so the server sees every field this device changed since the
revision it last saw; a delete wins, a later restore undoes it). Records that have a
rejected change wait until the clerk resends or drops it. Groups are ordered parents first
and cut into batches of at most ``max_changes`` changes and ``max_bytes`` bytes of JSON; each
batch id (a UUIDv7) is written to its rows in the same transaction. A fixed batch is later
rebuilt from exactly those rows, so a resend is byte-for-byte the same batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jydesk.domain.entities import Entity
from jydesk.domain.ids import new_id
from jydesk.store.database import Store
from jydesk.store.models import OutboxEntry
from jydesk.store.unit_of_work import SERVER_ACTOR
from sync.protocol.models import Batch, Change

PENDING = "pending"
REJECTED = "rejected"
HELD = "held"
MAX_CHANGES = 500
MAX_BYTES = 256 * 1024
ENTITY_ORDER = {e.value: i for i, e in enumerate(Entity)}

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class BatchLimits:
    max_changes: int = MAX_CHANGES
    max_bytes: int = MAX_BYTES


def coalesce(rows: list[OutboxEntry]) -> tuple[str, dict[str, Any], int]:
    """(op, fields, base_revision) of successive changes of one record, oldest first."""
    fields: dict[str, Any] = {}
    deleted: bool | None = None
    for row in rows:
        fields.update(row.fields or {})
        if row.op == "delete":
            deleted = True
        elif "deleted" in (row.fields or {}):
            deleted = bool(row.fields["deleted"])
    if deleted:
        fields["deleted"] = True
    op = "delete" if deleted else "upsert"
    return op, fields, min(r.base_revision or 0 for r in rows)


def change_of(row: OutboxEntry) -> Change:
    """The wire change for one (coalesced) outbox row."""
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Change(entity=row.entity, id=row.record_id, op=row.op, base_revision=row.base_revision or 0,
                  fields={} if row.op == "delete" else dict(row.fields or {}), client_ts=created)


def _size(row: OutboxEntry) -> int:
    return len(orjson.dumps({"e": row.entity, "i": row.record_id, "f": row.fields})) + 96


def blocked_keys(session: Session) -> set[Key]:
    """Records whose changes wait because an earlier change of theirs was rejected."""
    t = OutboxEntry
    return {(e, r) for e, r in session.execute(select(t.entity, t.record_id).where(t.state == REJECTED).distinct())}


def form_batches(store: Store, limits: BatchLimits = BatchLimits()) -> list[str]:
    """Fix batch ids for all sendable pending rows (one transaction); return the new batch ids."""
    with store.write(SERVER_ACTOR, origin="server") as w:
        return form_in_session(w.session, limits)


def form_in_session(session: Session, limits: BatchLimits) -> list[str]:
    t = OutboxEntry
    rows = session.execute(select(t).where(t.state == PENDING, t.batch_id.is_(None)).order_by(t.id)).scalars().all()
    if not rows:
        return []
    blocked = blocked_keys(session)
    groups: dict[Key, list[OutboxEntry]] = {}
    for row in rows:
        key = (row.entity, row.record_id)
        if key not in blocked:
            groups.setdefault(key, []).append(row)
    merged: list[OutboxEntry] = []
    for group in groups.values():
        head = group[0]
        if len(group) > 1:
            head.op, head.fields, head.base_revision = coalesce(group)
            for extra in group[1:]:
                session.delete(extra)
        elif head.op == "delete":
            head.fields = {**(head.fields or {}), "deleted": True}
        merged.append(head)
    merged.sort(key=lambda r: (ENTITY_ORDER.get(r.entity, 99), r.id))
    batch_ids: list[str] = []
    count = size = 0
    for row in merged:
        row_size = _size(row)
        if not batch_ids or count >= limits.max_changes or (count and size + row_size > limits.max_bytes):
            batch_ids.append(new_id())
            count = size = 0
        row.batch_id = batch_ids[-1]
        count += 1
        size += row_size
    session.flush()
    return batch_ids


def in_flight(session: Session) -> list[str]:
    """Batch ids fixed but not yet acknowledged, in the order they must be sent."""
    t = OutboxEntry
    stmt = (select(t.batch_id).where(t.state == PENDING, t.batch_id.is_not(None))
            .group_by(t.batch_id).order_by(func.min(t.id)))
    return [b for (b,) in session.execute(stmt)]


def load_batch(session: Session, batch_id: str, device_id: str) -> tuple[Batch, list[OutboxEntry]]:
    """The batch as it was fixed (rows in id order) and its rows."""
    t = OutboxEntry
    rows = session.execute(select(t).where(t.batch_id == batch_id, t.state == PENDING).order_by(t.id)).scalars().all()
    return Batch(batch_id=batch_id, device_id=device_id, changes=[change_of(r) for r in rows]), list(rows)


def waiting_count(session: Session) -> int:
    """Records with changes not yet acknowledged by the server (pending, in flight or held)."""
    t = OutboxEntry
    stmt = select(func.count()).select_from(
        select(t.entity, t.record_id).where(t.state.in_((PENDING, HELD))).distinct().subquery())
    return int(session.execute(stmt).scalar_one())


def held_keys(session: Session) -> list[Key]:
    """Records with changes the server answered ``held`` (waiting for a parent record there)."""
    t = OutboxEntry
    rows = session.execute(select(t.entity, t.record_id).where(t.state == HELD).distinct()
                           .order_by(t.entity, t.record_id))
    return [(entity, rid) for entity, rid in rows]


def pending_fields(session: Session, keys: list[Key], *, exclude_batch: str | None = None) -> dict[Key, set[str]]:
    """Field names with local changes the server has not taken yet, per record (held changes
    are with the server already; ``exclude_batch`` is the batch being acknowledged)."""
    t = OutboxEntry
    out: dict[Key, set[str]] = {}
    ids = sorted({rid for _, rid in keys})
    for i in range(0, len(ids), 500):
        stmt = select(t.entity, t.record_id, t.op, t.fields, t.batch_id, t.state).where(t.record_id.in_(ids[i:i + 500]))
        for entity, rid, op, fields, batch_id, state in session.execute(stmt):
            if state == HELD or (exclude_batch is not None and batch_id == exclude_batch and state == PENDING):
                continue
            names = out.setdefault((entity, rid), set())
            names.update((fields or {}).keys())
            if op == "delete":
                names.add("deleted")
    return out


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
