"""Applying the server's answers about pushed changes: a batch result and held outcomes.

See ``sync.client.apply`` for what each does; both run in one local transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from jydesk.store.database import Store
from jydesk.store.models import OutboxEntry, SyncRecord
from jydesk.store.sync_models import SyncConflict
from jydesk.store.unit_of_work import SERVER_ACTOR
from sync.client import state
from sync.client.local_writes import Outcome, guarded, load_records, record_label, set_revisions, settable
from sync.client.outbox import HELD, PENDING, REJECTED, Key, now, pending_fields
from sync.protocol.models import (
    BatchResult,
    ChangeResult,
    ChangeStatus,
    FieldConflict,
    HeldOutcome,
    HeldState,
)


def _record_conflict(session: Session, entity: str, rid: str, c: FieldConflict, revision: int, batch_id: str) -> None:
    t = SyncConflict
    session.execute(update(t).where(t.entity == entity, t.record_id == rid, t.field == c.field,
                                    t.resolved_at.is_(None)).values(resolved_at=now(), resolution="superseded"))
    session.add(SyncConflict(entity=entity, record_id=rid, field=c.field, local_value=c.client_value,
                             server_value=c.server_value, server_revision=revision, batch_id=batch_id))


def _adopt(session: Session, obj: SyncRecord, res: ChangeResult, protected: set[str], batch_id: str,
           outcome: Outcome) -> None:
    if res.revision > (obj.server_revision or 0):
        obj.server_revision = res.revision
    updates = {n: v for n, v in res.server_fields.items() if n not in protected and settable(obj, n)}
    for c in res.conflicts:
        _record_conflict(session, res.entity, obj.id, c, res.revision, batch_id)
        if c.field not in protected and settable(obj, c.field):
            updates[c.field] = c.server_value
    problem = guarded(session, obj, updates)
    if problem:
        outcome.problems.append(f"{record_label(res.entity, obj.id)}未能采用服务器上的值：{problem}")


def _reject(row: OutboxEntry, res: ChangeResult, batch_id: str | None) -> None:
    """Move an outbox row to the clerk's rejected list with the server's reasons."""
    row.state, row.batch_id = REJECTED, None
    row.error = {"batch_id": batch_id, "at": state.now_iso(), "revision": res.revision,
                 "errors": [e.model_dump() for e in res.errors]}


def apply_ack(store: Store, batch_id: str, result: BatchResult) -> Outcome:
    """Apply the server's answer to batch ``batch_id`` and drop its acknowledged rows."""
    outcome = Outcome()
    with store.write(SERVER_ACTOR, origin="server") as w:
        s = w.session
        t = OutboxEntry
        rows = s.execute(select(t).where(t.batch_id == batch_id, t.state == PENDING).order_by(t.id)).scalars().all()
        if not rows:
            return outcome  # already applied (another sync of this installation got there first)
        by_key = {(r.entity, r.record_id.lower()): r for r in rows}
        keys = [(r.entity, r.record_id) for r in rows]
        protected = pending_fields(s, keys, exclude_batch=batch_id)
        ok = (ChangeStatus.APPLIED, ChangeStatus.MERGED, ChangeStatus.CONFLICT)
        # Only answers that bring values need the records loaded; the rest just move the revision.
        rich = [(r.entity, r.id) for r in result.results if r.status in ok and (r.server_fields or r.conflicts)]
        objects = {(e, rid.lower()): o for (e, rid), o in load_records(s, rich).items()}
        revisions: dict[str, list[dict[str, Any]]] = {}
        acknowledged: list[int] = []
        answered: set[int] = set()
        for res in result.results:
            key = (res.entity, res.id.lower())
            row = by_key.get(key)
            if row is None or row.id in answered:
                continue
            answered.add(row.id)
            outcome.counts[res.status] += 1
            if res.status in ok:
                obj = objects.get(key)
                if obj is not None:
                    _adopt(s, obj, res, protected.get((row.entity, row.record_id), set()), batch_id, outcome)
                elif res.revision:
                    revisions.setdefault(row.entity, []).append({"rid": row.record_id, "rev": res.revision})
                acknowledged.append(row.id)
            elif res.status == ChangeStatus.REJECTED:
                _reject(row, res, batch_id)
            elif res.status == ChangeStatus.HELD:
                row.state = HELD
        set_revisions(s, revisions)
        for i in range(0, len(acknowledged), 500):
            s.execute(delete(t).where(t.id.in_(acknowledged[i:i + 500])))
        missing = [r for r in rows if r.id not in answered]
        if missing:
            outcome.problems.append(f"服务器对批次 {batch_id} 的 {len(missing)} 条修改没有答复，将重新发送")
            for r in missing:
                r.batch_id = None
    return outcome


def apply_held(store: Store, outcomes: list[HeldOutcome]) -> Outcome:
    """Settle held outbox rows from the server's :class:`HeldOutcome` list (see the module
    docstring); counts ``rejected``, ``applied`` (and merged, conflict), ``resent`` and ``waiting``."""
    outcome = Outcome()
    with store.write(SERVER_ACTOR, origin="server") as w:
        s = w.session
        t = OutboxEntry
        rows: dict[Key, list[OutboxEntry]] = {}
        ids = sorted({o.id.lower() for o in outcomes})
        for i in range(0, len(ids), 500):
            for row in s.execute(select(t).where(t.state == HELD, t.record_id.in_(ids[i:i + 500]))
                                 .order_by(t.id)).scalars():
                rows.setdefault((row.entity, row.record_id.lower()), []).append(row)
        settled = [o for o in outcomes if o.state == HeldState.RELEASED and o.result is not None
                   and o.result.status != ChangeStatus.REJECTED]
        settled_keys = [(o.entity, o.id.lower()) for o in settled]
        protected = pending_fields(s, settled_keys)
        objects = load_records(s, settled_keys)
        acknowledged: list[int] = []
        for o in outcomes:
            key = (o.entity, o.id.lower())
            mine = rows.pop(key, [])
            if not mine:
                continue
            if o.state == HeldState.WAITING:
                outcome.counts["waiting"] += 1
            elif o.state == HeldState.UNKNOWN or o.result is None:
                for row in mine:
                    row.state, row.batch_id = PENDING, None
                outcome.counts["resent"] += 1
            elif o.result.status == ChangeStatus.REJECTED:
                for row in mine:
                    _reject(row, o.result, row.batch_id)
                outcome.counts["rejected"] += 1
            else:
                obj = objects.get(key)
                if obj is not None:
                    _adopt(s, obj, o.result, protected.get((o.entity, obj.id), set()), mine[0].batch_id or "", outcome)
                acknowledged += [row.id for row in mine]
                outcome.counts[str(o.result.status)] += 1
        for i in range(0, len(acknowledged), 500):
            s.execute(delete(t).where(t.id.in_(acknowledged[i:i + 500])))
    if outcome.counts["rejected"]:
        outcome.problems.append(f"{outcome.counts['rejected']} 条曾“待上级记录”的修改在上级记录到达后被服务器退回，"
                                "请在“同步”面板查看原因并修改后重发")
    if outcome.counts["resent"]:
        outcome.problems.append(f"服务器上找不到 {outcome.counts['resent']} 条“待上级记录”的修改，已安排重新上传")
    return outcome

