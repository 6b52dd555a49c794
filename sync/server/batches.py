"""Applying a pushed batch: once per batch id, one transaction, one result per change.

Per change (see ``sync.protocol.models.ChangeStatus``): rejected changes write nothing
and do not affect the others; fields changed since the client's ``base_revision`` by
someone else are a conflict when the client changed them too (the server value is kept
and both values are stored in ``conflicts``), and are sent back to adopt otherwise
(merged). A change whose parent record has not arrived is held in ``held_changes`` and
applied in the transaction that brings the parent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
import zstandard
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from jydesk.domain import casework, idnumber
from jydesk.domain.entities import SPECS, CaseStatus, Entity, EntitySpec
from sync.protocol.errors import ErrorCode
from sync.protocol.models import Batch, Change, ChangeStatus
from sync.server import form_rules, validation
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Conflict, Device, HeldChange, Record, StoredBatch
from sync.server.records import (
    ALL_FIELDS,
    Key,
    RecordState,
    ids_in,
    ids_param,
    load_records,
    lock_village,
    one_of,
    per_dialect,
    set_village_seq,
    utcnow,
    write_records,
)
from sync.server.validation import REVIEWER_STATUSES, Problems

ENTITY_NAMES = frozenset(e.value for e in Entity)

#: References that are not parents: checked for the village when the target exists.
EXTRA_REFERENCES: dict[Entity, dict[str, Entity]] = {Entity.FOLLOW_UP: {"visit_id": Entity.VISIT}}


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """The device a batch comes from: its id, compact origin number and village."""

    id: str
    no: int
    village_code: str


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
    """The batch's content as canonical JSON (key order and whitespace do not matter)."""
    changes = [{"entity": c.entity, "id": c.id, "op": str(c.op), "base_revision": c.base_revision,
                "fields": c.fields, "client_ts": c.client_ts.isoformat()} for c in batch.changes]
    return orjson.dumps({"batch_id": batch.batch_id.lower(), "device_id": batch.device_id.lower(),
                         "changes": changes}, option=orjson.OPT_SORT_KEYS)


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


_NO_FIELDS: dict[str, Any] = {}  # shared, never written to: a prepared change's fields are replaced, not filled
#: ``ChangeStatus`` values as plain strings (what an answer holds).
_APPLIED, _MERGED, _CONFLICT, _REJECTED, _HELD = (s.value for s in (
    ChangeStatus.APPLIED, ChangeStatus.MERGED, ChangeStatus.CONFLICT, ChangeStatus.REJECTED, ChangeStatus.HELD))


def _result(p: Prepared, status: str, revision: int = 0, *, conflicts: list[dict[str, Any]] | None = None,
            errors: list[dict[str, Any]] | None = None, server_fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """One change's answer; ``status`` is a :class:`ChangeStatus` value."""
    return {"id": p.id, "entity": p.entity, "status": status, "revision": revision,
            "conflicts": conflicts or [], "errors": errors or [], "server_fields": server_fields or {}}


def _rejected(p: Prepared, field_name: str | None, code: str, message: str, revision: int = 0) -> dict[str, Any]:
    return _result(p, _REJECTED, revision, errors=[{"field": field_name, "code": str(code), "message": message}])


def _static_references(spec: EntitySpec) -> list[tuple[str, str]]:
    refs = [(name, target.value) for name, target in spec.references.items()]
    refs += [(name, target.value) for name, target in EXTRA_REFERENCES.get(spec.name, {}).items()]
    if spec.parent:
        refs.append((spec.parent[0], spec.parent[1].value))
    return refs


_STATIC_REFERENCES = {entity: _static_references(spec) for entity, spec in SPECS.items()}
_EMPTY: dict[str, Any] = {}
_H, _R, _B, _D = HeldChange.__table__, Record.__table__, StoredBatch.__table__, Device.__table__
_ANY_HELD = (select(_H.c.id).where(_H.c.village_code == bindparam("village"), _H.c.released_at.is_(None))
             .limit(1))
# The numbers alone select the rows (the village is checked on the few found): given the
# village too, PostgreSQL may read the village's every record instead of probing the
# partial index ix_records_id_number, whose condition is spelt out (it is not inferred
# from ``= ANY(…)``).
_ID_NUMBERS = per_dialect(lambda d: select(_R.c.id, _R.c.id_number, _R.c.village_code).where(
    _R.c.id_number.is_not(None), ids_in(_R.c.id_number, d), _R.c.entity == Entity.PERSON.value,
    _R.c.deleted.is_(False)))
_STORED = (select(_B.c.device_id, _B.c.content_hash, _B.c.answer, _B.c.results, _B.c.received_at)
           .where(_B.c.batch_id == bindparam("batch")))
_STORE = insert(_B)
_SEEN = update(_D).where(_D.c.id == bindparam("device")).values(last_seen_at=bindparam("now"))
_CASE, _PERSON, _ATTACHMENT = Entity.CASE.value, Entity.PERSON.value, Entity.ATTACHMENT.value
_NO_REV = (0, 0)


@dataclass(slots=True)
class Outcome:
    """What merging one change decided: a final ``answer`` (rejected …), or what to write."""

    answer: dict[str, Any] | None
    new: dict[str, Any] = field(default_factory=dict)  # the record after the change
    applied: dict[str, Any] = field(default_factory=dict)  # fields that change
    others: dict[str, Any] = field(default_factory=dict)  # changed meanwhile by others: adopt
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    normalised: dict[str, Any] = field(default_factory=dict)


class Applier:
    """Applies prepared changes of one village inside one write transaction."""

    def __init__(self, conn: Connection, village_code: str, batch_id: str, now: datetime) -> None:
        self.conn = conn
        self.village = village_code
        self.batch_id = batch_id
        self.now = now
        self.records: dict[Key, RecordState] = {}
        self.dirty: dict[Key, None] = {}  # insertion order = write order
        self.created: list[Key] = []
        self.held_blocker: dict[Key, Key] = {}  # record -> what its pending held changes wait for
        self.id_numbers: dict[str, str] = {}  # person id_number -> person id, this village
        self.number_of: dict[str, str] = {}  # person id -> the id_number tracked for it
        self.today = date.today()
        self.conflicts: list[dict[str, Any]] = []
        self.own_held: dict[int, int] = {}  # held-row id -> index of the change in this batch
        self.has_held = False  # the village has held changes waiting (else skip those queries)

    # -- loading ------------------------------------------------------------------------------

    def prefetch(self, prepared: Iterable[Prepared]) -> None:
        keys: set[Key] = set()
        id_numbers: set[str] = set()
        for p in prepared:
            if p.errors:
                continue
            keys.add(p.key)
            spec = SPECS[p.entity]
            for name, target in self._references(spec, p.fields):
                value = p.fields.get(name)
                if isinstance(value, str) and value:
                    keys.add((target, value))
            if p.entity == _PERSON and isinstance(p.fields.get("id_number"), str):
                id_numbers.add(idnumber.normalise(p.fields["id_number"]))
        self.records.update(load_records(self.conn, keys))
        self.has_held = self.conn.execute(_ANY_HELD, {"village": self.village}).first() is not None
        if self.has_held:
            self._load_held(keys)
        self._load_id_numbers(id_numbers)

    @staticmethod
    def _references(spec: EntitySpec, fields: dict[str, Any]) -> list[tuple[str, str]]:
        """(field, entity) pairs of the records this one points at (parent included)."""
        refs = _STATIC_REFERENCES[spec.name]
        if spec.name == _ATTACHMENT and fields.get("owner_entity") in validation.OWNER_ENTITIES:
            return [*refs, ("owner_id", fields["owner_entity"])]
        return refs

    def _load_held(self, keys: set[Key]) -> None:
        h = HeldChange.__table__.c
        ids = sorted({rid for _, rid in keys})
        for i in range(0, len(ids), 500):
            stmt = (select(h.entity, h.record_id, h.parent_entity, h.parent_id)
                    .where(h.released_at.is_(None), one_of(self.conn, h.record_id, ids[i:i + 500]))
                    .order_by(h.id))
            for r in self.conn.execute(stmt):
                if (r.entity, r.record_id) in keys:
                    self.held_blocker.setdefault((r.entity, r.record_id), (r.parent_entity, r.parent_id))

    def _load_id_numbers(self, numbers: set[str]) -> None:
        if not numbers:
            return
        rows = self.conn.execute(_ID_NUMBERS[self.conn.dialect.name],
                                 {"ids": ids_param(self.conn, sorted(numbers))}).all()
        for r in rows:
            if r.village_code == self.village and self.id_numbers.setdefault(r.id_number, r.id) == r.id:
                self.number_of[r.id] = r.id_number

    # -- applying one change ------------------------------------------------------------------

    def apply(self, p: Prepared, origin: int, device_id: str, *, releasing: int | None = None) -> dict[str, Any]:
        """Apply one change; ``releasing`` is the id of the held row being applied, if any."""
        if p.errors:
            return _result(p, _REJECTED, errors=p.errors)
        spec = SPECS[p.entity]
        state = self.records.get(p.key)
        if state is not None and state.village_code != self.village:
            return _rejected(p, None, ErrorCode.FORBIDDEN_VILLAGE, "该记录属于其他村(社区)，本设备无权修改")
        for name, target in self._references(spec, p.fields):
            value = p.fields.get(name)
            ref = self.records.get((target, value)) if isinstance(value, str) else None
            if ref is not None and ref.village_code != self.village:
                return _rejected(p, name, ErrorCode.FORBIDDEN_VILLAGE,
                                 f"{validation.label(name)}指向其他村(社区)的记录，本设备无权引用")
        blocker = self.held_blocker.get(p.key)
        if blocker is not None and releasing is None:
            return self._hold(p, blocker, origin, device_id)
        if state is None:
            return self._create(p, spec, origin, device_id, releasing)
        outcome = self._merge(p, spec, state, origin)
        if outcome.answer is not None:
            return outcome.answer
        parent_missing = self._missing_parent(spec, outcome.new, outcome.applied)
        if parent_missing is not None:
            return self._hold(p, parent_missing, origin, device_id, releasing=releasing)
        return self._write(p, spec, state, outcome, origin, device_id)

    def _client_fields(self, p: Prepared, spec: EntitySpec, current: dict[str, Any]
                       ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The change's fields less server-owned ones sent unchanged, after the case rules;
        or the answer refusing the change."""
        fields = p.fields
        owned = [n for n in spec.server_owned if n in fields]
        if spec.name == _CASE:
            code = fields.get("form_code") or current.get("form_code")
            owned += sorted(form_rules.owned_by_reviewers(code) & fields.keys())
        if owned:
            fields = dict(fields)
            for name in owned:
                if fields[name] != current.get(name):
                    return fields, _rejected(p, name, ErrorCode.SERVER_OWNED,
                                             f"{validation.label(name)}只能由审核人员在市级系统中填写")
                del fields[name]
        if spec.name == _CASE:
            fields = dict(fields)
            rejected = self._case_rules(p, fields, current)
            if rejected:
                return fields, rejected
        return fields, None

    def _merge(self, p: Prepared, spec: EntitySpec, state: RecordState, origin: int) -> Outcome:
        """Decide field by field what to write, what conflicts, and what the client must adopt."""
        current = state.current()
        base = p.base_revision
        if base > state.revision:
            return Outcome(_rejected(p, None, ErrorCode.INVALID_BASE_REVISION,
                                     f"记录版本号 {base} 大于服务器上的版本 {state.revision}", state.revision))
        fields, answer = self._client_fields(p, spec, current)
        if answer is not None:
            return Outcome(answer)
        applied: dict[str, Any] = {}
        conflicts: list[dict[str, Any]] = []
        revs = state.revs()
        for name, value in fields.items():
            now = current.get(name)
            if value == now:
                continue
            rev, src = revs.get(name, _NO_REV)
            if rev > base and src != origin:
                conflicts.append({"field": name, "server_value": now, "client_value": value})
            else:
                applied[name] = value
        if state.deleted and "deleted" not in fields:
            rev, src = revs.get("deleted", _NO_REV)
            if rev > base and src != origin:
                conflicts.append({"field": "deleted", "server_value": True, "client_value": False})
        others = {n: current.get(n) for n, (rev, src) in revs.items()
                  if rev > base and src != origin and n not in fields and n != "deleted"}
        if p.op == "delete" and not state.deleted and others:
            return Outcome(None, current, {}, others, [{"field": "deleted", "server_value": False, "client_value": True}])
        new = {**current, **applied}
        if p.op != "delete":
            problems = Problems()
            normalised = validation.check_record(p.entity, current, new, set(applied), problems, today=self.today)
            if problems:
                return Outcome(_result(p, _REJECTED, state.revision, errors=problems.items))
            for name, value in normalised.items():
                applied[name] = new[name] = value
            applied = {n: v for n, v in applied.items() if v != current.get(n)}
        duplicate = self._duplicate(p, new)
        if duplicate:
            return Outcome(duplicate)
        clashed = {c["field"] for c in conflicts}
        return Outcome(None, new, applied, others, conflicts, self._adopt(p, fields, new, clashed))

    def _create(self, p: Prepared, spec: EntitySpec, origin: int, device_id: str, releasing: int | None
                ) -> dict[str, Any]:
        """A record the server has not seen: every field is written (the common bulk case),
        all under one revision mark (``ALL_FIELDS``)."""
        fields, answer = self._client_fields(p, spec, _EMPTY)
        if answer is not None:
            return answer
        if p.op == "delete":
            return _result(p, _APPLIED, 0)
        new = dict(fields)
        if p.base_revision > 0:
            missing = [n for n in spec.required if validation.is_empty(new.get(n))]
            if missing:
                return _rejected(p, None, ErrorCode.UNKNOWN_RECORD,
                                 "服务器上没有该记录，请上传完整记录（缺少：" + "、".join(validation.label(n) for n in missing) + "）")
        problems = Problems()
        normalised = validation.check_record(p.entity, None, new, set(new), problems, today=self.today)
        if problems:
            return _result(p, _REJECTED, 0, errors=problems.items)
        new.update(normalised)
        duplicate = self._duplicate(p, new)
        if duplicate:
            return duplicate
        adopt = self._adopt(p, fields, new, ())
        parent_missing = self._missing_parent(spec, new, new)
        if parent_missing is not None:
            return self._hold(p, parent_missing, origin, device_id, releasing=releasing)
        key = p.key
        self.created.append(key)
        if not new:
            self.records[key] = RecordState(p.entity, p.id, self.village, created_at=self.now)
            return _result(p, _APPLIED, 0, server_fields=adopt)
        mark = [1, origin]
        state = self.records[key] = RecordState(p.entity, p.id, self.village, 1, False, new, {ALL_FIELDS: mark},
                                                self.now)
        if "deleted" in new:
            state.deleted = bool(new["deleted"])
            if "deleted" in spec.fields:
                new["deleted"] = state.deleted
            else:
                del new["deleted"]
                state.field_revs["deleted"] = mark
        self.dirty[key] = None
        if p.entity == _PERSON:
            self._track_id_number(state)
        return _result(p, _APPLIED, 1, server_fields=adopt)

    def _duplicate(self, p: Prepared, new: dict[str, Any]) -> dict[str, Any] | None:
        if p.entity != _PERSON or new.get("deleted") or not new.get("id_number"):
            return None
        other = self.id_numbers.get(new["id_number"])
        if other is None or other == p.id:
            return None
        return _rejected(p, "id_number", ErrorCode.DUPLICATE_ID_NUMBER,
                         f"本村(社区)已登记身份证号为 {new['id_number']} 的人员（记录 {other}），请勿重复登记")

    @staticmethod
    def _adopt(p: Prepared, fields: dict[str, Any], new: dict[str, Any], clashed: Any) -> dict[str, Any]:
        """Values the server stores differently from what the client sent (normalised)."""
        sent = p.sent or p.fields
        return {n: new.get(n) for n in fields if n not in clashed and n in sent and sent[n] != new.get(n)}

    def _case_rules(self, p: Prepared, fields: dict[str, Any], current: dict[str, Any]) -> dict[str, Any] | None:
        """Who may set which status, and what the village may still change (jydesk.domain.casework)."""
        now_status = current.get("status")
        target = fields.get("status")
        if target is not None and target == now_status:
            del fields["status"]
            target = None
        if target is not None:
            if target in REVIEWER_STATUSES:
                return _rejected(p, "status", ErrorCode.SERVER_STATUS, f"“{target}”只能由乡镇/市级审核人员设置")
            if target not in validation.CASE_STATUSES:
                return _rejected(p, "status", ErrorCode.INVALID_CHOICE, f"办理状态“{target}”不正确")
        if (now_status is not None and now_status not in casework.EDITABLE_STATUSES
                and any(v != current.get(n) for n, v in fields.items())):
            return _rejected(p, "status" if target else None, ErrorCode.CASE_LOCKED,
                                 f"申请已{now_status}，村(社区)不能再修改，如需更正请由审核人员退回补正")
        if target is not None and now_status is not None:
            allowed = _allowed_targets({**current, **fields}, now_status)
            if allowed is not None and target not in allowed:
                why = ("、".join(f"“{a}”" for a in allowed)) or "（无：下一步由审核人员办理）"
                return _rejected(p, "status", ErrorCode.INVALID_TRANSITION,
                                 f"申请当前为“{now_status}”，不能直接转为“{target}”，只能转为{why}")
        if "status" not in fields and not current:
            fields["status"] = CaseStatus.DRAFT.value
        return None

    def _missing_parent(self, spec: EntitySpec, new: dict[str, Any], applied: dict[str, Any]) -> Key | None:
        if spec.parent is None:
            return None
        name, target = spec.parent
        value = new.get(name)
        if not value or name not in applied:
            return None
        key = (target.value, value)
        return None if key in self.records else key

    def _hold(self, p: Prepared, blocker: Key, origin: int, device_id: str, *, releasing: int | None = None) -> dict[str, Any]:
        h = HeldChange.__table__
        if releasing is not None:
            self.conn.execute(update(h).where(h.c.id == releasing)
                              .values(parent_entity=blocker[0], parent_id=blocker[1]))
        else:
            row_id = self.conn.execute(insert(h).values(
                village_code=self.village, entity=p.entity, record_id=p.id, parent_entity=blocker[0],
                parent_id=blocker[1], change=p.as_held(origin), device_id=device_id, batch_id=self.batch_id,
                received_at=self.now).returning(h.c.id)).scalar_one()
            if p.index >= 0:
                self.own_held[row_id] = p.index
        self.held_blocker.setdefault(p.key, blocker)
        self.has_held = True
        return _result(p, _HELD, 0)

    def _write(self, p: Prepared, spec: EntitySpec, state: RecordState, outcome: Outcome,
               origin: int, device_id: str) -> dict[str, Any]:
        applied, conflicts = outcome.applied, outcome.conflicts
        key = p.key
        if applied:
            state.revision += 1
            state.fields.update(applied)
            if "deleted" in applied:
                state.deleted = bool(applied["deleted"])
                if "deleted" in spec.fields:
                    state.fields["deleted"] = state.deleted
                else:
                    del state.fields["deleted"]
            mark = [state.revision, origin]
            state.field_revs.update(dict.fromkeys(applied, mark))
            if key in self.dirty:
                del self.dirty[key]
            self.dirty[key] = None
            if p.entity == _PERSON:
                self._track_id_number(state)
        for c in conflicts:
            self.conflicts.append({"village_code": self.village, "entity": p.entity, "record_id": p.id,
                                   "field": c["field"], "server_value": c["server_value"],
                                   "client_value": c["client_value"], "server_revision": state.revision,
                                   "device_id": device_id, "batch_id": self.batch_id, "created_at": self.now})
        server_fields = {**outcome.others, **outcome.normalised}
        if conflicts:
            status = _CONFLICT
        elif outcome.others:
            status = _MERGED
        else:
            status = _APPLIED
        return _result(p, status, state.revision, conflicts=conflicts, server_fields=server_fields)

    def _track_id_number(self, state: RecordState) -> None:
        old = self.number_of.pop(state.id, None)
        if old is not None and self.id_numbers.get(old) == state.id:
            del self.id_numbers[old]
        number = state.fields.get("id_number")
        if number and not state.deleted:
            self.id_numbers[number] = state.id
            self.number_of[state.id] = number

    # -- releasing held changes ---------------------------------------------------------------

    def release_held(self, results: list[dict[str, Any]]) -> None:
        """Apply held changes whose parent now exists, oldest first (and what they bring in
        turn); results of this batch's own held changes are updated in place."""
        h = HeldChange.__table__.c
        if not self.has_held:
            return
        while self.created:
            keys, self.created = set(self.created), []
            ids = sorted({rid for _, rid in keys})
            rows = []
            for i in range(0, len(ids), 500):
                rows += [r for r in self.conn.execute(
                    select(h.id, h.entity, h.record_id, h.change, h.device_id, h.parent_entity, h.parent_id)
                    .where(h.released_at.is_(None), one_of(self.conn, h.parent_id, ids[i:i + 500]))
                ) if (r.parent_entity, r.parent_id) in keys]
            released: set[Key] = set()
            for row in sorted(rows, key=lambda r: r.id):
                change = row.change
                p = Prepared(-1, row.entity, row.record_id, change["op"], change["base_revision"],
                             dict(change["fields"]), change["client_ts"])
                if p.key not in released:
                    self.held_blocker.pop(p.key, None)
                    released.add(p.key)
                blocker = self.held_blocker.get(p.key)
                if blocker is not None:  # an earlier change of this record is held again
                    self._hold(p, blocker, int(change["origin"]), row.device_id, releasing=row.id)
                    continue
                self._load_for_release(p)
                result = self.apply(p, int(change["origin"]), row.device_id, releasing=row.id)
                if result["status"] != _HELD:
                    self.conn.execute(update(HeldChange.__table__).where(h.id == row.id)
                                      .values(released_at=self.now, result=result))
                if row.id in self.own_held:
                    results[self.own_held[row.id]] = result

    def _load_for_release(self, p: Prepared) -> None:
        spec = SPECS[p.entity]
        keys = [p.key] + [(t, p.fields[n]) for n, t in self._references(spec, p.fields)
                          if isinstance(p.fields.get(n), str)]
        for key, state in load_records(self.conn, [k for k in keys if k not in self.records]).items():
            self.records[key] = state
        if p.entity == Entity.PERSON and isinstance(p.fields.get("id_number"), str):
            self._load_id_numbers({idnumber.normalise(p.fields["id_number"])})

    # -- finishing ----------------------------------------------------------------------------

    def flush(self, last_seq: int) -> int:
        """Write dirty records with fresh seqs and the conflicts; return the new last seq."""
        states = []
        for key in self.dirty:
            last_seq += 1
            state = self.records[key]
            state.seq = last_seq
            states.append(state)
        write_records(self.conn, states, self.now)
        if self.conflicts:
            self.conn.execute(insert(Conflict), self.conflicts)
        self.dirty.clear()
        return last_seq


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
    content = canonical(batch)
    digest = hashlib.sha256(content).hexdigest()
    prepared = [prepare(i, c, device.village_code) for i, c in enumerate(batch.changes)]
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
        conn.execute(_SEEN, {"device": device.id, "now": now})
    return {"batch_id": batch_id, "device_id": device.id, "received_at": now, "results": results, "replayed": False}


def _allowed_targets(record: dict[str, Any], status: str) -> list[str] | None:
    """Statuses the village may move a case to from ``status`` in one or more of its own moves
    (offline, a clerk may 受理 and start 入户调查 before the next sync, and the coalesced change
    carries only the latest status); None if the form is unknown."""
    try:
        defn = form_rules.definition(record.get("form_code") or "")
    except KeyError:
        return None
    days = 7 if defn is None else casework.publicity_days(
        record.get("form_code") or "", defn.publicity_days, form_rules.form_values(record),
        casework.as_date(record.get("applied_on")))
    facts = casework.CaseFacts(form_code=record.get("form_code") or "", status=CaseStatus(status))
    return [str(t) for t in casework.reachable_targets(facts, days)]
