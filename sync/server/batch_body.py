"""A pushed batch from its parsed JSON body, without pydantic's per-field pass in the usual case.

pydantic validates a 500-change batch in ~2 ms (about 4 µs a change: every change becomes a
model, every ``fields`` dict is copied). :func:`read_batch` checks the usual shape itself —
exactly the keys of the wire model, strings where strings belong and within their lengths,
``base_revision`` a plain integer in range, ``client_ts`` an ISO 8601 date-time of the common
form — and builds the models with ``model_construct`` from the values as parsed. Anything
else (a missing or extra key, a number where a string belongs, another date-time form …)
goes through ``Batch.model_validate``, so what is accepted, the values, and the errors with
their locations are pydantic's own.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from sync.protocol.models import UUID_PATTERN, Batch, Change, ChangeOp

_UUID = re.compile(UUID_PATTERN)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?")
_BATCH_KEYS = frozenset(Batch.model_fields)
_CHANGE_KEYS = frozenset(Change.model_fields)
_REQUIRED = frozenset(name for name, f in Change.model_fields.items() if f.is_required())
_OPS = {op.value: op.value for op in ChangeOp}
_MAX_ENTITY, _MAX_ID, _MAX_REVISION = 32, 64, 2**31 - 1


def read_batch(data: Any) -> Batch:
    """``data`` (the JSON body) as a :class:`Batch`; RequestValidationError as FastAPI raises it."""
    batch = _quick(data)
    if batch is not None:
        return batch
    try:
        return Batch.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)],
                                     body=data) from None


def _quick(data: Any) -> Batch | None:
    """The batch if every part has the usual shape, else None."""
    if type(data) is not dict or data.keys() != _BATCH_KEYS:
        return None
    batch_id, device_id, items = data["batch_id"], data["device_id"], data["changes"]
    if not (type(batch_id) is str and type(device_id) is str and type(items) is list
            and _UUID.fullmatch(batch_id) and _UUID.fullmatch(device_id)):
        return None
    changes = []
    construct = Change.model_construct
    for item in items:
        if type(item) is not dict or not (_REQUIRED <= item.keys() <= _CHANGE_KEYS):
            return None
        entity, rid, ts = item["entity"], item["id"], item["client_ts"]
        if "op" in item:
            op = item["op"]
            op = _OPS.get(op) if type(op) is str else None
        else:
            op = ChangeOp.UPSERT  # pydantic leaves its default as it is
        revision = item.get("base_revision", 0)
        fields = item.get("fields", {})
        if not (type(entity) is str and len(entity) <= _MAX_ENTITY and type(rid) is str and 0 < len(rid) <= _MAX_ID
                and op is not None and type(revision) is int and 0 <= revision <= _MAX_REVISION
                and type(fields) is dict and type(ts) is str and _TIMESTAMP.fullmatch(ts)):
            return None
        try:
            when = datetime.fromisoformat(ts)
        except ValueError:
            return None
        changes.append(construct(entity=entity, id=rid, op=op, base_revision=revision, fields=fields,
                                 client_ts=when))
    return Batch.model_construct(batch_id=batch_id, device_id=device_id, changes=changes)
