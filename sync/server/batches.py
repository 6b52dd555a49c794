"""Applying a pushed batch: once per batch id, one transaction, one result per change.

Per change (see ``sync.protocol.models.ChangeStatus``): rejected changes write nothing
and do not affect the others; fields changed since the client's ``base_revision`` by
someone else are a conflict when the client changed them too (the server value is kept
and both values are stored in ``conflicts``), and are sent back to adopt otherwise
(merged). A change whose parent record has not arrived is held in ``held_changes`` and
applied in the transaction that brings the parent.

The work is split: ``sync.server.changes`` checks each change without the database,
``sync.server.applier`` merges them into the village's records (the rules of what a
village may change are ``sync.server.change_rules``), and this module runs the
transaction, stores the answer and replays it for a repeated batch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
import zstandard
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from sync.protocol.errors import ErrorCode
from sync.protocol.models import Batch
from sync.server.applier import Applier, Outcome
from sync.server.changes import ENTITY_NAMES, EXTRA_REFERENCES, Prepared, canonical, content_hash, prepare
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Device, StoredBatch
from sync.server.records import lock_village, set_village_seq, utcnow

__all__ = ["ENTITY_NAMES", "EXTRA_REFERENCES", "Applier", "DeviceRef", "Outcome", "Prepared", "apply_batch",
           "canonical", "content_hash", "prepare"]


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """The device a batch comes from: its id, compact origin number and village."""

    id: str
    no: int
    village_code: str


_B, _D = StoredBatch.__table__, Device.__table__
_STORED = (select(_B.c.device_id, _B.c.content_hash, _B.c.answer, _B.c.results, _B.c.received_at)
           .where(_B.c.batch_id == bindparam("batch")))
_STORE = insert(_B)
_SEEN = update(_D).where(_D.c.id == bindparam("device")).values(last_seen_at=bindparam("now"))


def _stored(conn: Connection, batch_id: str) -> Any:
    return conn.execute(_STORED, {"batch": batch_id}).first()


def _replay(row: Any, batch: Batch, digest: str) -> dict[str, Any]:
    if row.device_id != batch.device_id:
        raise ServiceError(ErrorCode.BATCH_ID_REUSED, 409, "该批次编号已被其他设备使用")
    if row.content_hash != digest:
        raise ServiceError(ErrorCode.BATCH_ID_REUSED, 409)
    results = row.results if row.answer is None else orjson.loads(zstandard.ZstdDecompressor().decompress(row.answer))
    return {"batch_id": batch.batch_id, "device_id": batch.device_id, "received_at": row.received_at,
            "results": results, "replayed": True}


#: Attempts at a batch whose new record's id another village took meanwhile (the retry
#: sees that record and rejects the change as another village's).
_ATTEMPTS = 3


def apply_batch(db: Database, device: DeviceRef, batch: Batch, *, source: str = "http") -> dict[str, Any]:
    """Apply ``batch`` from ``device`` once; a repeat gets the stored result (``replayed``)."""
    if batch.device_id.lower() != device.id.lower():
        raise ServiceError(ErrorCode.DEVICE_MISMATCH, 403)
    batch_id = batch.batch_id.lower()
    prepared = [prepare(i, c, device.village_code) for i, c in enumerate(batch.changes)]
    content = canonical(batch)
    digest = hashlib.sha256(content).hexdigest()
    for attempt in range(_ATTEMPTS):
        try:
            answer = _apply_once(db, device, batch, batch_id, content, digest, prepared, source)
            db.ensure_record_statistics()
            return answer
        except IntegrityError:
            # the same batch applied meanwhile by a concurrent request, or (PostgreSQL) a
            # new record's id committed meanwhile by another village's writer
            with db.read() as conn:
                row = _stored(conn, batch_id)
            if row is not None:
                return _replay(row, batch, digest)
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _apply_once(db: Database, device: DeviceRef, batch: Batch, batch_id: str, content: bytes, digest: str,
                prepared: list[Prepared], source: str) -> dict[str, Any]:
    """One transaction applying ``prepared`` (or replaying the stored answer)."""
    with db.write() as conn:
        last_seq = lock_village(conn, device.village_code)
        row = _stored(conn, batch_id)
        if row is not None:
            return _replay(row, batch, digest)
        now = utcnow()
        applier = Applier(conn, device.village_code, batch_id, now)
        applier.prefetch(prepared)
        results = [applier.apply(p, device.no, device.id) for p in prepared]
        applier.release_held(results)
        last_seq = applier.flush(last_seq)
        set_village_seq(conn, device.village_code, last_seq)
        packer = zstandard.ZstdCompressor(level=3)
        conn.execute(_STORE, {
            "batch_id": batch_id, "device_id": device.id, "village_code": device.village_code, "content_hash": digest,
            "change_count": len(prepared), "received_at": now, "source": source,
            "answer": packer.compress(orjson.dumps(results)), "payload": packer.compress(content)})
        if source != "http":  # an online device's contact is kept by sync.server.contact
            conn.execute(_SEEN, {"device": device.id, "now": now})
    return {"batch_id": batch_id, "device_id": device.id, "received_at": now, "results": results, "replayed": False}

