"""A pushed change before the database: its checks, canonical content and answers.

:func:`prepare` runs the checks that need no database (entity, id, field values); the
helpers build one change's answer (see ``sync.protocol.models.ChangeStatus``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from jydesk.domain.entities import SPECS, Entity, EntitySpec
from jydesk.domain.text import TextProblem, clean_value
from sync.protocol.errors import ErrorCode
from sync.protocol.models import Batch, Change, ChangeStatus
from sync.server import validation
from sync.server.records import Key
from sync.server.validation import Problems

ENTITY_NAMES = frozenset(e.value for e in Entity)
#: ``ChangeStatus`` values as plain strings (what an answer holds).
APPLIED, MERGED, CONFLICT, REJECTED, HELD = (s.value for s in (
    ChangeStatus.APPLIED, ChangeStatus.MERGED, ChangeStatus.CONFLICT, ChangeStatus.REJECTED, ChangeStatus.HELD))
_NO_FIELDS: dict[str, Any] = {}  # shared, never written to: a prepared change's fields are replaced, not filled
_ATTACHMENT = Entity.ATTACHMENT.value
#: References that are not parents: checked for the village when the target exists.
EXTRA_REFERENCES: dict[Entity, dict[str, Entity]] = {Entity.FOLLOW_UP: {"visit_id": Entity.VISIT}}


def _static_references(spec: EntitySpec) -> list[tuple[str, str]]:
    refs = [(name, target.value) for name, target in spec.references.items()]
    refs += [(name, target.value) for name, target in EXTRA_REFERENCES.get(spec.name, {}).items()]
    if spec.parent:
        refs.append((spec.parent[0], spec.parent[1].value))
    return refs


_STATIC_REFERENCES = {entity: _static_references(spec) for entity, spec in SPECS.items()}


@dataclass(slots=True)
class Prepared:
    """A change after the checks that need no database."""

    index: int
    entity: str
    id: str
    op: str
    base_revision: int
    fields: dict[str, Any]
    client_ts: datetime | str
    errors: list[dict[str, Any]] = field(default_factory=list)
    sent: dict[str, Any] = field(default_factory=dict)  # the values as received, before normalising

    @property
    def key(self) -> Key:
        return (self.entity, self.id)

    def as_held(self, origin: int) -> dict[str, Any]:
        ts = self.client_ts.isoformat() if isinstance(self.client_ts, datetime) else self.client_ts
        return {"op": self.op, "base_revision": self.base_revision, "fields": self.fields, "client_ts": ts,
                "origin": origin}


def canonical(batch: Batch) -> bytes:
    """The batch's content as canonical JSON (key order and whitespace do not matter).

    A value JSON cannot hold as it is (nested deeper than orjson writes) stands in as
    :data:`UNSTORABLE`: such a change is refused anyway, and the batch must still be stored."""
    changes = [{"entity": c.entity, "id": c.id, "op": str(c.op), "base_revision": c.base_revision,
                "fields": c.fields, "client_ts": c.client_ts.isoformat()} for c in batch.changes]
    content = {"batch_id": batch.batch_id.lower(), "device_id": batch.device_id.lower(), "changes": changes}
    try:
        return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        for c in changes:
            c["fields"] = {name: _storable(value) for name, value in c["fields"].items()}
        return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


#: What a value nested too deep to store is written as in a batch's stored content.
UNSTORABLE = {"unstorable": "nested too deep"}


def _storable(value: Any) -> Any:
    try:
        clean_value(value)
    except TextProblem:
        return UNSTORABLE
    return value


def content_hash(batch: Batch) -> str:
    return hashlib.sha256(canonical(batch)).hexdigest()


def prepare(index: int, change: Change, village_code: str) -> Prepared:
    """Entity, id, op and per-field checks of one change (no database needed)."""
    problems = Problems()
    entity, rid = change.entity, validation.canonical_uuid(change.id)
    op = str(change.op)
    p = Prepared(index, entity, rid or change.id, op, change.base_revision, _NO_FIELDS, change.client_ts, [], _NO_FIELDS)
    if entity not in ENTITY_NAMES:
        problems.add(None, ErrorCode.UNKNOWN_ENTITY, f"未知的记录类型“{entity}”")
    elif rid is None:
        problems.add("id", ErrorCode.INVALID_ID, "记录编号应为 UUID")
    else:
        spec = SPECS[entity]
        if op == "delete":
            if entity == Entity.CASE_EVENT:
                problems.add(None, ErrorCode.DELETE_NOT_ALLOWED, "办理记录不能删除")
            p.fields = {"deleted": True}
        else:
            p.fields = validation.check_change(spec, change.fields, village_code, problems)
            p.sent = change.fields
    p.errors = problems.items
    return p


def result_of(p: Prepared, status: str, revision: int = 0, *, conflicts: list[dict[str, Any]] | None = None,
              errors: list[dict[str, Any]] | None = None, server_fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """One change's answer; ``status`` is a :class:`ChangeStatus` value."""
    return {"id": p.id, "entity": p.entity, "status": status, "revision": revision,
            "conflicts": conflicts or [], "errors": errors or [], "server_fields": server_fields or {}}


def rejected(p: Prepared, field_name: str | None, code: str, message: str, revision: int = 0) -> dict[str, Any]:
    return result_of(p, REJECTED, revision, errors=[{"field": field_name, "code": str(code), "message": message}])


def references(spec: EntitySpec, fields: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, entity) pairs of the records this one points at (parent included)."""
    refs = _STATIC_REFERENCES[spec.name]
    if spec.name == _ATTACHMENT and fields.get("owner_entity") in validation.OWNER_ENTITIES:
        return [*refs, ("owner_id", fields["owner_entity"])]
    return refs
