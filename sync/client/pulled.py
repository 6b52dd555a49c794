"""Applying pulled records to the local store (see ``sync.client.apply``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jydesk.domain.approval import REFERENCE_ENTITY
from jydesk.domain.entities import DATA_PREFIX, SPECS, Entity
from jydesk.domain.errors import ValidationError
from jydesk.store.database import Store
from jydesk.store.models import SYNC_MODELS, Attachment, OutboxEntry, Person, SyncRecord
from jydesk.store.sync_models import DeferredRecord, ReferenceRecord, SyncConflict
from jydesk.store.unit_of_work import SERVER_ACTOR, bulk_insert
from sync.client import state
from sync.client.local_writes import Outcome, guarded, load_records, record_label, set_revisions
from sync.client.outbox import HELD, Key, now, pending_fields
from sync.client.values import WireValueError, from_wire, nullable, set_field, wire_value
from sync.protocol.models import PulledChange

_TABLE_MODELS = {m.__tablename__: m for m in SYNC_MODELS.values()}


@cache
def _references(model: type[SyncRecord]) -> list[tuple[str, type[SyncRecord]]]:
    """(column, target model) of each foreign key of ``model``."""
    refs = []
    for column in model.__table__.columns:
        for fk in column.foreign_keys:
            target = _TABLE_MODELS.get(fk.column.table.name)
            if target is not None:
                refs.append((column.name, target))
    return refs


def _existing_ids(session: Session, wanted: dict[type[SyncRecord], set[str]]) -> set[tuple[type[SyncRecord], str]]:
    found: set[tuple[type[SyncRecord], str]] = set()
    for model, ids in wanted.items():
        ordered = sorted(ids)
        for i in range(0, len(ordered), 500):
            for (rid,) in session.execute(select(model.id).where(model.id.in_(ordered[i:i + 500]))):
                found.add((model, rid))
    return found


def _precheck(session: Session, changes: list[PulledChange]) -> dict[Key, str]:
    """Records of this page that cannot be applied now, with the Chinese reason."""
    blocked: dict[Key, str] = {}
    page: dict[Key, PulledChange] = {(c.entity, c.id): c for c in changes}
    wanted: dict[type[SyncRecord], set[str]] = {}
    for c in changes:
        model = SYNC_MODELS[Entity(c.entity)]
        for name, target in _references(model):
            value = c.fields.get(name)
            if isinstance(value, str) and value:
                wanted.setdefault(target, set()).add(value)
    existing = _existing_ids(session, wanted)
    changed = True
    while changed:  # a record waiting makes the records that point to it wait too
        changed = False
        for c in changes:
            key = (c.entity, c.id)
            if key in blocked:
                continue
            model = SYNC_MODELS[Entity(c.entity)]
            for name, target in _references(model):
                value = c.fields.get(name)
                if not (isinstance(value, str) and value):
                    continue
                target_key = (target.__entity__.value, value)
                in_page = target_key in page and target_key not in blocked
                if not in_page and (target, value) not in existing:
                    blocked[key] = f"所引用的{SPECS[target.__entity__].label}（{value[-8:]}）尚未同步到本机"
                    changed = True
                    break
    numbers = {c.fields.get("id_number"): c.id for c in changes
               if c.entity == Entity.PERSON.value and not c.deleted and c.fields.get("id_number")}
    if numbers:
        page_people = {c.id for c in changes if c.entity == Entity.PERSON.value}
        rows = session.execute(select(Person.id, Person.id_number, Person.name).where(
            Person.id_number.in_(sorted(numbers)), Person.deleted.is_(False))).all()
        for pid, number, name in rows:
            other = numbers[number]
            if pid != other and pid not in page_people:
                blocked[(Entity.PERSON.value, other)] = (
                    f"本机已有身份证号相同的人员“{name}”（记录 {pid[-8:]}），请处理本机的重复登记后再同步")
    return blocked


def _row_for(c: PulledChange, model: type[SyncRecord]) -> dict[str, Any]:
    """Column values of a pulled record that is new on this device."""
    spec = SPECS[model.__entity__]
    values: dict[str, Any] = {"id": c.id, "server_revision": c.revision, "deleted": c.deleted}
    for name in spec.fields:
        if name == "deleted" or name not in model.__table__.c:
            continue
        value = c.fields.get(name)
        if value is None and not nullable(model, name):
            continue
        values[name] = from_wire(model, name, value)
    if spec.has_data:
        values["data"] = {k[len(DATA_PREFIX):]: v for k, v in c.fields.items() if k.startswith(DATA_PREFIX)}
    if model is Attachment:
        values["uploaded"] = True  # its bytes are the server's (or the device that made it) to keep
    return values


def _create(session: Session, c: PulledChange, model: type[SyncRecord]) -> SyncRecord:
    obj = model(**_row_for(c, model))
    session.add(obj)
    return obj


def _updates(obj: SyncRecord, c: PulledChange, protected: set[str]) -> dict[str, Any]:
    model = type(obj)
    spec = SPECS[model.__entity__]
    updates: dict[str, Any] = {}
    for name in spec.fields:
        if name == "deleted" or name in protected or name not in model.__table__.c:
            continue
        value = c.fields.get(name)
        if value is None and not nullable(model, name):
            continue
        if wire_value(obj, name) != value:
            updates[name] = value
    if spec.has_data:
        keys = {k for k in c.fields if k.startswith(DATA_PREFIX)}
        keys |= {DATA_PREFIX + k for k in (getattr(obj, "data", None) or {})}
        for name in sorted(keys - protected):
            value = c.fields.get(name)
            if wire_value(obj, name) != value:
                updates[name] = value
    if "deleted" not in protected and bool(obj.deleted) != c.deleted:
        updates["deleted"] = c.deleted
    return updates


def _refresh_conflicts(session: Session, changes: list[PulledChange]) -> None:
    """Open conflicts follow the server: a newer server value replaces the stored one, and a
    conflict whose two sides became equal is settled."""
    ids = sorted({c.id for c in changes})
    by_key = {(c.entity, c.id): c for c in changes}
    t = SyncConflict
    for i in range(0, len(ids), 500):
        for conflict in session.execute(select(t).where(t.resolved_at.is_(None), t.record_id.in_(ids[i:i + 500]))
                                        ).scalars():
            c = by_key.get((conflict.entity, conflict.record_id))
            if c is None:
                continue
            value = c.deleted if conflict.field == "deleted" else c.fields.get(conflict.field)
            if value == conflict.local_value:
                conflict.resolved_at, conflict.resolution, conflict.resolved_value = now(), "server", value
                conflict.resolved_by = "服务器上已一致"
            elif value != conflict.server_value:
                conflict.server_value, conflict.server_revision = value, c.revision


def _defer(session: Session, c: PulledChange, reason: str) -> None:
    row = session.get(DeferredRecord, (c.entity, c.id))
    if row is None:
        session.add(DeferredRecord(entity=c.entity, record_id=c.id, revision=c.revision, fields=c.fields,
                                   deleted=c.deleted, reason=reason))
    elif c.revision >= row.revision:
        row.revision, row.fields, row.deleted, row.reason = c.revision, c.fields, c.deleted, reason


def _store_reference(session: Session, c: PulledChange, village_code: str | None, outcome: Outcome) -> None:
    """Keep the newest version of a reference record of the city (who confirms in the town)."""
    f = c.fields
    if village_code and f.get("village_code") not in (None, village_code):
        outcome.counts["foreign"] += 1
        return
    kind, key, value, version = f.get("kind"), f.get("key"), f.get("value"), f.get("version")
    if not (isinstance(kind, str) and isinstance(key, str) and isinstance(value, str) and isinstance(version, int)):
        outcome.problems.append("服务器发来的参考数据不完整，已跳过")
        return
    row = session.get(ReferenceRecord, (kind, key))
    if row is None:
        session.add(ReferenceRecord(kind=kind, key=key, value=value, version=version,
                                    source=str(f.get("source") or "")))
    elif version > row.version:
        row.value, row.version, row.source, row.received_at = value, version, str(f.get("source") or ""), now()
    outcome.counts["reference"] += 1


def _apply_changes(session: Session, changes: list[PulledChange], village_code: str | None, outcome: Outcome,
                   *, careful: bool) -> None:
    usable: list[PulledChange] = []
    for c in changes:
        if c.entity == REFERENCE_ENTITY:
            _store_reference(session, c, village_code, outcome)
            continue
        try:
            Entity(c.entity)
        except ValueError:
            outcome.counts["unknown"] += 1
            outcome.problems.append(f"服务器发来本机不认识的记录类型“{c.entity}”，已跳过（请升级 jydesk）")
            continue
        if village_code and c.fields.get("village_code") not in (None, village_code):
            outcome.counts["foreign"] += 1
            outcome.problems.append(f"服务器发来其他村(社区)的记录 {record_label(c.entity, c.id)}，已拒收")
            continue
        usable.append(c)
    keys = [(c.entity, c.id) for c in usable]
    session.execute(delete(OutboxEntry).where(OutboxEntry.state == HELD, OutboxEntry.record_id.in_(
        sorted({rid for _, rid in keys}))))
    blocked = _precheck(session, usable)
    protected = pending_fields(session, keys)
    objects = load_records(session, keys)
    applied: list[Key] = []
    new_rows: dict[type[SyncRecord], list[dict[str, Any]]] = {}
    revisions: dict[str, list[dict[str, Any]]] = {}
    for c in usable:
        key = (c.entity, c.id)
        if key in blocked:
            _defer(session, c, blocked[key])
            outcome.counts["deferred"] += 1
            continue
        model = SYNC_MODELS[Entity(c.entity)]
        obj = objects.get(key)
        if obj is not None and c.revision < (obj.server_revision or 0):
            outcome.counts["stale"] += 1
            applied.append(key)
            continue
        problem: str | None = None
        if obj is None:
            if careful:
                try:
                    with session.begin_nested():
                        _create(session, c, model)
                        session.flush()
                except (ValidationError, WireValueError) as exc:
                    problem = getattr(exc, "message", str(exc))
            else:
                new_rows.setdefault(model, []).append(_row_for(c, model))
            kind = "created"
        else:
            updates = _updates(obj, c, protected.get(key, set()))
            if not updates:
                if c.revision != (obj.server_revision or 0):
                    revisions.setdefault(c.entity, []).append({"rid": c.id, "rev": c.revision})
            elif careful:
                obj.server_revision = c.revision
                problem = guarded(session, obj, updates)
            else:
                obj.server_revision = c.revision
                for name, value in updates.items():
                    set_field(obj, name, value)
            kind = "updated" if updates else "unchanged"
        if problem:
            _defer(session, c, f"本机规则不接受服务器上的内容：{problem}")
            outcome.counts["deferred"] += 1
            continue
        outcome.counts[kind] += 1
        applied.append(key)
    set_revisions(session, revisions)
    if new_rows:
        session.flush()
        writer = session.info["writer"]
        for model in sorted(new_rows, key=lambda m: list(SYNC_MODELS.values()).index(m)):
            bulk_insert(writer, model, new_rows[model])  # validated, audited and indexed in bulk
    if applied:
        t = DeferredRecord
        for entity in {e for e, _ in applied}:
            ids = sorted(rid for e, rid in applied if e == entity)
            for i in range(0, len(ids), 500):
                session.execute(delete(t).where(t.entity == entity, t.record_id.in_(ids[i:i + 500])))
    _refresh_conflicts(session, usable)
    session.flush()


def apply_page(store: Store, changes: list[PulledChange], cursor: str | None) -> Outcome:
    """Apply pulled records and store ``cursor`` (None: keep it) in one transaction."""
    village_code = store.village_code()
    for careful in (False, True):
        outcome = Outcome()
        try:
            with store.write(SERVER_ACTOR, origin="server") as w:
                _apply_changes(w.session, changes, village_code, outcome, careful=careful)
                if cursor is not None:
                    state.put(w.session, state.CURSOR, cursor)
            return outcome
        except (ValidationError, WireValueError, IntegrityError):
            if careful:
                raise
    raise AssertionError("unreachable")


def retry_deferred(store: Store) -> Outcome:
    """Try again every pulled record that had to wait."""
    with store.read() as s:
        rows = s.execute(select(DeferredRecord).order_by(DeferredRecord.received_at)).scalars().all()
        waiting = [PulledChange(entity=r.entity, id=r.record_id, revision=r.revision, fields=r.fields,
                                deleted=r.deleted) for r in rows]
    if not waiting:
        return Outcome()
    return apply_page(store, waiting, None)


def deferred_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(DeferredRecord)).scalar_one())
