"""The unit of work: the only write path into the local store.

``with store.write(actor) as w:`` yields a :class:`Writer` over an ORM session. On flush,
every new or changed syncable record is validated, and its audit entry and outbox entry are
added to the same transaction; the search index is updated in it too. Commit happens when
the block ends; any exception rolls everything back, so nothing is half-written.

Changes that arrive from the city server are applied with ``origin="server"``: audited, but
not put in the outbox (they are not local edits).
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, object_session

from jydesk.domain.entities import DATA_PREFIX, SPECS
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.ids import new_id
from jydesk.domain.registry import validate_household, validate_person
from jydesk.domain.text import TextProblem, clean_fields
from jydesk.store import search
from jydesk.store.actor import SERVER_ACTOR as SERVER_ACTOR  # re-exported
from jydesk.store.actor import SYSTEM_ACTOR as SYSTEM_ACTOR  # re-exported
from jydesk.store.actor import Actor
from jydesk.store.audit import chain
from jydesk.store.models import AuditEntry, Household, OutboxEntry, Person, SyncRecord, User, utcnow
from jydesk.store.serialize import to_json


class ReadOnlySessionError(RuntimeError):
    """A write was attempted outside ``store.write()``."""


class StoreSession(Session):
    """Session class whose flushes are checked by the unit-of-work hooks below."""


class Writer:
    """The handle a write block gets: add records, soft-delete, record audit-only events."""

    def __init__(self, session: StoreSession, actor: Actor, village_code: str | None, origin: str) -> None:
        self.session = session
        self.actor = actor
        self.village_code = village_code
        self.origin = origin
        session.info["writer"] = self

    def add(self, obj: Any) -> Any:
        """Add a new record; a syncable one gets its id and village at once."""
        if isinstance(obj, SyncRecord):
            _fill_defaults(obj, self)
        self.session.add(obj)
        return obj

    def delete(self, obj: SyncRecord) -> None:
        """Soft-delete a syncable record (it stays, marked deleted, and the deletion syncs)."""
        obj.deleted = True

    def audit(self, action: str, *, entity: str | None = None, record_id: str | None = None,
              detail: str | None = None, changes: dict[str, Any] | None = None) -> None:
        """An audit-only event: revealing an ID number, printing, logging in …"""
        self.session.add(AuditEntry(actor_id=self.actor.id, actor_name=self.actor.name, action=action,
                                    entity=entity, record_id=record_id, detail=detail, changes=changes))

    def flush(self) -> None:
        self.session.flush()


def _fill_defaults(obj: SyncRecord, writer: Writer) -> None:
    if obj.id is None:
        obj.id = new_id()
    if obj.village_code is None and writer.village_code:
        obj.village_code = writer.village_code
    if obj.server_revision is None:
        obj.server_revision = 0
    if obj.deleted is None:
        obj.deleted = False
    if obj.created_at is None:
        obj.created_at = obj.updated_at = utcnow()
    if getattr(obj, "data", ...) is None:
        obj.data = {}  # type: ignore[attr-defined]
    if isinstance(obj, Person) and obj.care_flags is None:
        obj.care_flags = []


def _spec_values(obj: SyncRecord) -> dict[str, Any]:
    spec = SPECS[obj.__entity__]
    values = {f: getattr(obj, f) for f in spec.fields}
    if spec.has_data:
        for key, value in (obj.data or {}).items():  # type: ignore[attr-defined]
            values[DATA_PREFIX + key] = value
    return values


def _changed_values(obj: SyncRecord) -> dict[str, tuple[Any, Any]]:
    """Field -> (old, new) for a dirty record, form values diffed per key."""
    spec = SPECS[obj.__entity__]
    state = inspect(obj)
    changed: dict[str, tuple[Any, Any]] = {}
    for name in spec.fields:
        hist = state.attrs[name].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = getattr(obj, name)
            if to_json(old) != to_json(new):
                changed[name] = (old, new)
    if spec.has_data:
        hist = state.attrs["data"].history
        if hist.has_changes():
            old = (hist.deleted[0] if hist.deleted else None) or {}
            new = obj.data or {}  # type: ignore[attr-defined]
            for key in sorted(set(old) | set(new)):
                if to_json(old.get(key)) != to_json(new.get(key)):
                    changed[DATA_PREFIX + key] = (old.get(key), new.get(key))
    return changed


_INDEXED = {"name", "id_number", "phone", "address", "deleted"}


def _validate(obj: SyncRecord, session: Session, writer: Writer, changed: set[str] | None = None) -> None:
    """Domain validation of a new (changed=None) or changed record; normalises values in place."""
    if writer.origin == "local" and writer.village_code and obj.village_code != writer.village_code:
        raise ValidationError(FieldError("village_code", "只能登记本村(社区)的记录"))
    _clean_text(obj)
    if isinstance(obj, Person):
        values = validate_person({k: getattr(obj, k) for k in (
            "name", "id_number", "relation", "phone", "disability_type", "disability_grade",
            "monthly_income", "care_flags", "visit_tier_override", "visit_tier_override_reason")})
        for key in ("name", "id_number", "phone", "disability_grade", "monthly_income", "care_flags",
                    "birth_date", "sex"):
            if getattr(obj, key) != values[key]:
                setattr(obj, key, values[key])
        if not obj.deleted and (changed is None or changed & {"id_number", "deleted"}):
            with session.no_autoflush:
                other = session.execute(
                    select(Person.name).where(Person.id_number == obj.id_number, Person.id != obj.id,
                                              Person.deleted.is_(False)).limit(1)
                ).scalar()
            if other is not None:
                raise ValidationError(FieldError("id_number", f"该身份证号已登记（{other}），不能重复登记", "duplicate"))
    elif isinstance(obj, Household):
        values = validate_household({k: getattr(obj, k) for k in ("address", "group_no", "residence", "phone")})
        for key, value in values.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)


_USER_TEXT = frozenset({"username", "display_name"})
_TEXT = {entity: frozenset({*spec.fields, "data"}) for entity, spec in SPECS.items()}


def _clean_text(obj: Any) -> None:
    """Every text value of a record (form values included) as stored (``jydesk.domain.text``)."""
    names = _USER_TEXT if isinstance(obj, User) else _TEXT[obj.__entity__]
    values = {n: v for n, v in obj.__dict__.items() if n in names}  # what is loaded or set (not via the ORM: fast)
    try:
        cleaned = clean_fields(values)
    except TextProblem as exc:
        raise ValidationError(FieldError("data", f"表单内容{exc.message}", "format")) from None
    for name, value in cleaned.items():
        setattr(obj, name, value)
    if isinstance(obj, User) and not obj.display_name:
        raise ValidationError(FieldError("display_name", "姓名不能为空", "required"))


def _audit_changes(pairs: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    return {k: [to_json(old), to_json(new)] for k, (old, new) in pairs.items()}


@event.listens_for(StoreSession, "before_flush")
def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    writer: Writer | None = session.info.get("writer")
    if writer is None:
        if session.new or session.dirty or session.deleted:
            raise ReadOnlySessionError("本地数据只能通过 store.write() 写入")
        return
    session.info.pop("audit_tail", None)  # the chain's tail is read anew from the file on each flush
    reindex: set[SyncRecord] = session.info.setdefault("reindex", set())
    for obj in list(session.deleted):
        if isinstance(obj, SyncRecord):
            raise ValidationError(FieldError("deleted", "业务记录不能物理删除，只能标记删除"))
        if isinstance(obj, AuditEntry):
            raise ValidationError(FieldError("audit", "审计日志不能删除"))
    for obj in list(session.new):
        if isinstance(obj, SyncRecord):
            _fill_defaults(obj, writer)
            _validate(obj, session, writer)
            values = {k: v for k, v in _spec_values(obj).items() if v is not None and v != [] and v != {}}
            _record(session, writer, obj, "create", values, {k: (None, v) for k, v in values.items()})
            reindex.add(obj)
        elif isinstance(obj, User):
            if obj.id is None:
                obj.id = new_id()  # the audit entry must name the account
            _clean_text(obj)
            writer.audit("create_user", entity="user", record_id=obj.id, detail=obj.username)
    for obj in list(session.dirty):
        if isinstance(obj, User) and session.is_modified(obj):
            _clean_text(obj)
        if isinstance(obj, SyncRecord) and session.is_modified(obj):
            pairs = _changed_values(obj)
            if not pairs:
                continue
            _validate(obj, session, writer, set(pairs))
            pairs = _changed_values(obj)  # validation may have normalised values
            action = "delete" if "deleted" in pairs and obj.deleted else "update"
            _record(session, writer, obj, action, {k: new for k, (_, new) in pairs.items()}, pairs)
            if _INDEXED & set(pairs):
                if isinstance(obj, Person):
                    old = {k: (pairs[k][0] if k in pairs else getattr(obj, k))
                           for k in ("name", "id_number", "phone", "deleted")}
                    session.info.setdefault("person_diffs", []).append((obj, old))
                else:
                    reindex.add(obj)


def server_detail(fields: dict[str, Any]) -> str:
    """The detail of an entry pulled from the city server, naming the reviewer when the record
    carries one (a case's 审批人, a 办理记录's 经办人)."""
    reviewer = fields.get("decided_by") or fields.get("actor")
    return f"来自市级平台（审核人：{reviewer}）" if isinstance(reviewer, str) and reviewer else "来自市级平台"


def _record(session: Session, writer: Writer, obj: SyncRecord, action: str,
            fields: dict[str, Any], pairs: dict[str, tuple[Any, Any]]) -> None:
    entity = obj.__entity__.value
    session.add(AuditEntry(actor_id=writer.actor.id, actor_name=writer.actor.name, action=action,
                           entity=entity, record_id=obj.id, changes=_audit_changes(pairs),
                           detail=None if writer.origin == "local" else server_detail(fields)))
    if writer.origin == "local":
        session.add(OutboxEntry(entity=entity, record_id=obj.id,
                                op="delete" if action == "delete" else "upsert",
                                fields=to_json(fields), base_revision=obj.server_revision or 0,
                                actor_id=writer.actor.id))


@event.listens_for(AuditEntry, "before_insert")
def _seal(_mapper: Any, connection: Any, entry: AuditEntry) -> None:
    """Give a new audit entry its id and its link in the hash chain, just before its INSERT."""
    session = object_session(entry)
    info = session.info if session is not None else {}
    last_id, prev = info.get("audit_tail") or chain.tail(connection)
    if entry.at is None:
        entry.at = utcnow()
    entry.id = last_id + 1
    stored = chain.stored_changes(json.dumps(entry.changes))  # hashed as verify will read it back
    entry.hash = chain.entry_hash(prev, entry.id, entry.at, entry.actor_id, entry.actor_name, entry.action,
                                  entry.entity, entry.record_id, stored, entry.detail)
    info["audit_tail"] = (entry.id, entry.hash)


@event.listens_for(StoreSession, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    pending: set[SyncRecord] = session.info.pop("reindex", set())
    diffs = session.info.pop("person_diffs", [])
    if not pending and not diffs:
        return
    conn = session.connection()
    for person, old in diffs:
        search.reindex_person(
            conn, person.id,
            None if old["deleted"] else (old["name"], old["id_number"], old["phone"]),
            None if person.deleted else (person.name, person.id_number, person.phone))
    persons = [o for o in pending if isinstance(o, Person)]
    households = [o for o in pending if isinstance(o, Household)]
    if persons:
        search.index_persons(conn, [(p.id, p.name, p.id_number, p.phone, p.deleted) for p in persons])
    if households:
        search.index_households(conn, [(h.id, h.address, h.deleted) for h in households])


def bulk_insert(writer: Writer, model: type[SyncRecord], rows: list[dict[str, Any]]) -> list[str]:
    """Insert many new records of one kind with Core statements, keeping the invariants:
    each row validated, audited and put in the outbox in the writer's transaction, and indexed.
    Returns the ids. Used by demo data and imports; single edits use the ORM path."""
    spec = SPECS[model.__entity__]
    now = utcnow()
    prepared: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    for raw in rows:
        row = dict(raw)
        try:
            row.update(clean_fields(row))
        except TextProblem as exc:
            raise ValidationError(FieldError("data", f"表单内容{exc.message}", "format")) from None
        if model is Person:
            row = validate_person(row)
            if row["id_number"] in seen_ids:
                raise ValidationError(FieldError("id_number", f"身份证号 {row['id_number']} 重复", "duplicate"))
            seen_ids.add(row["id_number"])
        elif model is Household:
            row = validate_household(row)
        row.setdefault("id", new_id())
        row.setdefault("village_code", writer.village_code)
        row.setdefault("server_revision", 0)
        row.setdefault("deleted", False)
        row.setdefault("created_at", now)
        row.setdefault("updated_at", now)
        if spec.has_data:
            row.setdefault("data", {})
        for column in model.__table__.columns:
            if column.key not in row:
                default = column.default
                row[column.key] = default.arg if default is not None and default.is_scalar else None
        prepared.append(row)
    if not prepared:
        return []
    conn = writer.session.connection()
    conn.execute(insert(model), prepared)
    entity = model.__entity__.value
    audits, outbox = [], []
    for row in prepared:
        fields = {k: row[k] for k in spec.fields if row.get(k) not in (None, [], {})}
        if spec.has_data:
            fields.update({DATA_PREFIX + k: v for k, v in row["data"].items()})
        fields = to_json(fields)
        audits.append({"at": now, "actor_id": writer.actor.id, "actor_name": writer.actor.name, "action": "create",
                       "entity": entity, "record_id": row["id"], "changes": {k: [None, v] for k, v in fields.items()},
                       "detail": None if writer.origin == "local" else server_detail(fields)})
        if writer.origin == "local":
            outbox.append({"entity": entity, "record_id": row["id"], "op": "upsert", "fields": fields,
                           "base_revision": 0, "created_at": now, "actor_id": writer.actor.id, "state": "pending"})
    dumps = lambda v: orjson.dumps(v).decode()  # noqa: E731
    writer.session.info.pop("audit_tail", None)
    conn.exec_driver_sql(chain.INSERT_SQL, chain.seal_rows(chain.tail(conn), (
        (a["at"], a["actor_id"], a["actor_name"], a["action"], a["entity"], a["record_id"], a["changes"], a["detail"])
        for a in audits)))
    if outbox:
        conn.exec_driver_sql(
            "INSERT INTO outbox (entity, record_id, op, fields, base_revision, created_at, actor_id, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(o["entity"], o["record_id"], o["op"], dumps(o["fields"]), 0, str(o["created_at"]), o["actor_id"],
              "pending") for o in outbox])
    if model is Person:
        search.index_persons(conn, [(r["id"], r["name"], r["id_number"], r.get("phone"), r["deleted"]) for r in prepared])
    elif model is Household:
        search.index_households(conn, [(r["id"], r["address"], r["deleted"]) for r in prepared])
    return [r["id"] for r in prepared]
