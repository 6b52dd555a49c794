"""What became of a device's held changes (``POST /api/v1/held``).

A device answered ``held`` drops nothing: it keeps the change until the record comes back
through pull. When the parent arrives the server applies the held change — and may reject
it then (the record breaks a rule found only with its parent, or was changed meanwhile).
Such a record never comes back, so the device asks here about the records it still has
held changes for, and shows the clerk the reason. A device sees only its own held changes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sync.protocol.models import ChangeStatus, HeldState
from sync.server.db import Database
from sync.server.models import HeldChange
from sync.server.records import Key, one_of
from sync.server.validation import canonical_uuid

_CHUNK = 500


def outcomes(db: Database, device_id: str, keys: list[Key]) -> dict[str, Any]:
    """One outcome per key of ``keys`` (see :class:`sync.protocol.models.HeldAnswer`)."""
    h = HeldChange.__table__.c
    # only canonical UUIDs were ever held (a malformed id is rejected, not held): other ids
    # are unknown without asking the database
    wanted = [(entity, canonical_uuid(rid) or "") for entity, rid in keys]
    ids = sorted({rid for _, rid in wanted if rid})
    rows: dict[Key, list[Any]] = {}
    with db.read() as conn:
        for i in range(0, len(ids), _CHUNK):
            stmt = (select(h.entity, h.record_id, h.parent_entity, h.parent_id, h.released_at, h.result)
                    .where(h.device_id == device_id.lower(), one_of(conn, h.record_id, ids[i:i + _CHUNK]))
                    .order_by(h.id))
            for r in conn.execute(stmt):
                rows.setdefault((r.entity, r.record_id), []).append(r)
    return {"results": [_outcome(entity, sent, rows.get(key, []))
                        for (entity, sent), key in zip(keys, wanted, strict=True)]}


def _outcome(entity: str, rid: str, held: list[Any]) -> dict[str, Any]:
    waiting = [r for r in held if r.released_at is None]
    if waiting:
        r = waiting[0]
        return {"entity": entity, "id": rid, "state": HeldState.WAITING.value,
                "waiting_for": {"entity": r.parent_entity, "id": r.parent_id}, "result": None}
    results = [r.result for r in held if r.result is not None]
    if not results:
        return {"entity": entity, "id": rid, "state": HeldState.UNKNOWN.value, "waiting_for": None, "result": None}
    rejected = [res for res in results if res.get("status") == ChangeStatus.REJECTED.value]
    return {"entity": entity, "id": rid, "state": HeldState.RELEASED.value, "waiting_for": None,
            "result": (rejected or results)[-1]}
