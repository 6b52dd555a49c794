"""Merging prepared changes of one village into its records, inside one write transaction.

:class:`Applier` loads what a batch touches, decides per change (apply, merge, conflict,
reject, hold), releases held changes whose parent arrived, and writes the records with
fresh seqs and the conflicts at the end (``flush``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from jydesk.domain import idnumber
from jydesk.domain.entities import SPECS, Entity, EntitySpec
from sync.protocol.errors import ErrorCode
from sync.server import validation
from sync.server.change_rules import adopted, client_fields
from sync.server.changes import (
    APPLIED,
    CONFLICT,
    HELD,
    MERGED,
    REJECTED,
    Prepared,
    references,
    rejected,
    result_of,
)
from sync.server.models import Conflict, HeldChange, Record
from sync.server.records import (
    ALL_FIELDS,
    Key,
    RecordState,
    ids_in,
    ids_param,
    load_records,
    one_of,
    per_dialect,
    write_records,
)
from sync.server.validation import Problems

_EMPTY: dict[str, Any] = {}
_H, _R = HeldChange.__table__, Record.__table__
_ANY_HELD = (select(_H.c.id).where(_H.c.village_code == bindparam("village"), _H.c.released_at.is_(None))
             .limit(1))
# The numbers alone select the rows (the village is checked on the few found): given the
# village too, PostgreSQL may read the village's every record instead of probing the
# partial index ix_records_id_number, whose condition is spelt out (it is not inferred
# from ``= ANY(…)``).
ID_NUMBERS = per_dialect(lambda d: select(_R.c.id, _R.c.id_number, _R.c.village_code).where(
    _R.c.id_number.is_not(None), ids_in(_R.c.id_number, d), _R.c.entity == Entity.PERSON.value,
    _R.c.deleted.is_(False)))
_PERSON = Entity.PERSON.value
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
            for name, target in references(spec, p.fields):
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
        rows = self.conn.execute(ID_NUMBERS[self.conn.dialect.name],
                                 {"ids": ids_param(self.conn, sorted(numbers))}).all()
        for r in rows:
            if r.village_code == self.village and self.id_numbers.setdefault(r.id_number, r.id) == r.id:
                self.number_of[r.id] = r.id_number

    # -- applying one change ------------------------------------------------------------------

    def apply(self, p: Prepared, origin: int, device_id: str, *, releasing: int | None = None) -> dict[str, Any]:
        """Apply one change; ``releasing`` is the id of the held row being applied, if any."""
        if p.errors:
            return result_of(p, REJECTED, errors=p.errors)
        spec = SPECS[p.entity]
        state = self.records.get(p.key)
        if state is not None and state.village_code != self.village:
            return rejected(p, None, ErrorCode.FORBIDDEN_VILLAGE, "该记录属于其他村(社区)，本设备无权修改")
        for name, target in references(spec, p.fields):
            value = p.fields.get(name)
            ref = self.records.get((target, value)) if isinstance(value, str) else None
            if ref is not None and ref.village_code != self.village:
                return rejected(p, name, ErrorCode.FORBIDDEN_VILLAGE,
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

    def _merge(self, p: Prepared, spec: EntitySpec, state: RecordState, origin: int) -> Outcome:
        """Decide field by field what to write, what conflicts, and what the client must adopt."""
        current = state.current()
        base = p.base_revision
        if base > state.revision:
            return Outcome(rejected(p, None, ErrorCode.INVALID_BASE_REVISION,
                                    f"记录版本号 {base} 大于服务器上的版本 {state.revision}", state.revision))
        fields, answer = client_fields(p, spec, current)
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
                return Outcome(result_of(p, REJECTED, state.revision, errors=problems.items))
            for name, value in normalised.items():
                applied[name] = new[name] = value
            applied = {n: v for n, v in applied.items() if v != current.get(n)}
        duplicate = self._duplicate(p, new)
        if duplicate:
            return Outcome(duplicate)
        clashed = {c["field"] for c in conflicts}
        return Outcome(None, new, applied, others, conflicts, adopted(p, fields, new, clashed))

    def _create(self, p: Prepared, spec: EntitySpec, origin: int, device_id: str, releasing: int | None
                ) -> dict[str, Any]:
        """A record the server has not seen: every field is written (the common bulk case),
        all under one revision mark (``ALL_FIELDS``)."""
        fields, answer = client_fields(p, spec, _EMPTY)
        if answer is not None:
            return answer
        if p.op == "delete":
            return result_of(p, APPLIED, 0)
        new = dict(fields)
        if p.base_revision > 0:
            missing = [n for n in spec.required if validation.is_empty(new.get(n))]
            if missing:
                return rejected(p, None, ErrorCode.UNKNOWN_RECORD,
                                "服务器上没有该记录，请上传完整记录（缺少：" + "、".join(validation.label(n) for n in missing) + "）")
        problems = Problems()
        normalised = validation.check_record(p.entity, None, new, set(new), problems, today=self.today)
        if problems:
            return result_of(p, REJECTED, 0, errors=problems.items)
        new.update(normalised)
        duplicate = self._duplicate(p, new)
        if duplicate:
            return duplicate
        adopt = adopted(p, fields, new, ())
        parent_missing = self._missing_parent(spec, new, new)
        if parent_missing is not None:
            return self._hold(p, parent_missing, origin, device_id, releasing=releasing)
        key = p.key
        self.created.append(key)
        if not new:
            self.records[key] = RecordState(p.entity, p.id, self.village, created_at=self.now)
            return result_of(p, APPLIED, 0, server_fields=adopt)
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
        return result_of(p, APPLIED, 1, server_fields=adopt)

    def _duplicate(self, p: Prepared, new: dict[str, Any]) -> dict[str, Any] | None:
        if p.entity != _PERSON or new.get("deleted") or not new.get("id_number"):
            return None
        other = self.id_numbers.get(new["id_number"])
        if other is None or other == p.id:
            return None
        return rejected(p, "id_number", ErrorCode.DUPLICATE_ID_NUMBER,
                        f"本村(社区)已登记身份证号为 {new['id_number']} 的人员（记录 {other}），请勿重复登记")

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
        return result_of(p, HELD, 0)

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
            status = CONFLICT
        elif outcome.others:
            status = MERGED
        else:
            status = APPLIED
        return result_of(p, status, state.revision, conflicts=conflicts, server_fields=server_fields)

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
                if result["status"] != HELD:
                    self.conn.execute(update(HeldChange.__table__).where(h.id == row.id)
                                      .values(released_at=self.now, result=result))
                if row.id in self.own_held:
                    results[self.own_held[row.id]] = result

    def _load_for_release(self, p: Prepared) -> None:
        spec = SPECS[p.entity]
        keys = [p.key] + [(t, p.fields[n]) for n, t in references(spec, p.fields)
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
