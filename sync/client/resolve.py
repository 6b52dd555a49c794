"""What the clerk decides: field conflicts and changes the server sent back (被退回).

A conflict is settled by choosing the server's value, this device's value, or an edited
one; the choice is written through the unit of work like any edit, so it becomes a new
change (with the revision the device has now seen) and syncs. A rejected change can be
corrected and resent, or dropped — dropping a new record's creation deletes the local record
again; dropping an edit fetches the server's values again at the next sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from jydesk.domain.entities import SPECS, Entity
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.store.database import Store
from jydesk.store.models import SYNC_MODELS, OutboxEntry, SyncRecord
from jydesk.store.sync_models import SyncConflict
from jydesk.store.unit_of_work import Actor
from sync.client import state
from sync.client.outbox import PENDING, REJECTED, now
from sync.client.values import field_names, set_field, wire_value


@dataclass(frozen=True, slots=True)
class ConflictView:
    id: int
    entity: str
    record_id: str
    field: str
    local_value: Any
    server_value: Any
    server_revision: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RejectedView:
    outbox_id: int
    entity: str
    record_id: str
    op: str
    fields: dict[str, Any]
    errors: list[dict[str, Any]]
    rejected_at: str


def open_conflicts(store: Store) -> list[ConflictView]:
    with store.read() as s:
        rows = s.execute(select(SyncConflict).where(SyncConflict.resolved_at.is_(None))
                         .order_by(SyncConflict.id)).scalars().all()
    return [ConflictView(r.id, r.entity, r.record_id, r.field, r.local_value, r.server_value, r.server_revision,
                         r.created_at) for r in rows]


def rejected_changes(store: Store) -> list[RejectedView]:
    with store.read() as s:
        rows = s.execute(select(OutboxEntry).where(OutboxEntry.state == REJECTED).order_by(OutboxEntry.id)
                         ).scalars().all()
    return [RejectedView(r.id, r.entity, r.record_id, r.op, dict(r.fields or {}), list((r.error or {}).get("errors", [])),
                         str((r.error or {}).get("at", ""))) for r in rows]


def _record(session: Any, entity: str, record_id: str) -> SyncRecord:
    model = SYNC_MODELS[Entity(entity)]
    obj = session.get(model, record_id)
    if obj is None:
        raise ValidationError(FieldError(None, f"本机找不到该{SPECS[Entity(entity)].label}记录"))
    return obj


def resolve_conflict(store: Store, conflict_id: int, choice: str, actor: Actor, value: Any = None) -> None:
    """Settle one conflict: ``choice`` is ``server``, ``local`` or ``edited`` (with ``value``)."""
    if choice not in ("server", "local", "edited"):
        raise ValueError(choice)
    with store.write(actor) as w:
        conflict = w.session.get(SyncConflict, conflict_id)
        if conflict is None or conflict.resolved_at is not None:
            raise ValidationError(FieldError(None, "该冲突已处理过"))
        chosen = {"server": conflict.server_value, "local": conflict.local_value}.get(choice, value)
        obj = _record(w.session, conflict.entity, conflict.record_id)
        set_field(obj, conflict.field, chosen)
        w.session.flush()  # local rules check the chosen value now; a ValidationError rolls all back
        conflict.resolved_at, conflict.resolution = now(), choice
        conflict.resolved_value, conflict.resolved_by = wire_value(obj, conflict.field), actor.name
        w.audit("resolve_conflict", entity=conflict.entity, record_id=conflict.record_id,
                detail=f"{conflict.field}：采用{ {'server': '服务器的值', 'local': '本机的值', 'edited': '修改后的值'}[choice] }")


def resend(store: Store, outbox_id: int, actor: Actor, edits: dict[str, Any] | None = None) -> None:
    """Send a rejected change again, after writing the clerk's ``edits`` (wire values) to the record."""
    with store.write(actor) as w:
        row = w.session.get(OutboxEntry, outbox_id)
        if row is None or row.state != REJECTED:
            raise ValidationError(FieldError(None, "该修改已不在退回列表中"))
        obj = _record(w.session, row.entity, row.record_id)
        for name, value in (edits or {}).items():
            set_field(obj, name, value)
        w.session.flush()
        codes = {e.get("code") for e in (row.error or {}).get("errors", [])}
        if "unknown_record" in codes:  # the server lost the record: send all of it as new
            row.fields = {n: wire_value(obj, n) for n in field_names(obj) if wire_value(obj, n) is not None}
            row.base_revision = 0
        elif "invalid_base_revision" in codes:
            row.base_revision = int((row.error or {}).get("revision") or 0)
        row.state, row.error, row.batch_id = PENDING, None, None
        w.audit("sync_resend", entity=row.entity, record_id=row.record_id, detail="重新发送被退回的修改")


def discard(store: Store, outbox_id: int, actor: Actor) -> None:
    """Drop a rejected change (see the module docstring for what happens to the record)."""
    refetch = False
    with store.write(actor) as w:
        row = w.session.get(OutboxEntry, outbox_id)
        if row is None or row.state != REJECTED:
            raise ValidationError(FieldError(None, "该修改已不在退回列表中"))
        model = SYNC_MODELS[Entity(row.entity)]
        obj = w.session.get(model, row.record_id)
        w.audit("sync_discard", entity=row.entity, record_id=row.record_id, detail="放弃被退回的修改")
        w.session.delete(row)
        refetch = obj is not None and (obj.server_revision or 0) > 0
        if obj is not None and not refetch:
            others = w.session.execute(select(OutboxEntry.id).where(
                OutboxEntry.record_id == row.record_id, OutboxEntry.id != outbox_id)).first()
            if others is None:
                # The record never reached the server: un-create it here only (no outbox entry;
                # audited like a server-side change, after the clerk's sync_discard entry above).
                w.origin = "server"
                obj.deleted = True
                w.session.flush()
    if refetch:
        state.write(store, **{state.CURSOR: ""})

