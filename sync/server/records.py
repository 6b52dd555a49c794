"""Record storage primitives shared by batch apply, reviewer decisions and pull.

Ordering: every write transaction of a village first takes :func:`lock_village`, an
upsert of the village's ``village_log`` row that holds its row lock until commit, and
numbers its writes ``last_seq + 1 …``. A second writer of the same village waits for the
first to commit and then numbers after it, so ``seq`` order is commit order: a pull that
has seen seq N can never later meet a newly committed seq below N.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, String, any_, bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from jydesk.domain.entities import SPECS, Entity
from sync.server.models import Record, VillageLog

Key = tuple[str, str]  # (entity, id)
T = TypeVar("T")
_CHUNK = 500
_COLUMNS = ("id", "entity", "village_code", "revision", "seq", "deleted", "fields", "field_revs", "status",
            "id_number", "parent_id", "created_at", "updated_at")
_PG_TYPES = ("text", "text", "text", "int", "bigint", "boolean", "jsonb", "jsonb", "text", "text", "text",
             "timestamptz", "timestamptz")
# PostgreSQL, records that exist: one statement over all rows sent as one JSON document
# (parsed by the server), instead of 500 row statements or per-element array escaping in
# the driver. New records are COPYed (binary) straight into the table: no conflict check.
_PG_UPSERT = text(
    "INSERT INTO records (" + ", ".join(_COLUMNS) + ") SELECT " + ", ".join(_COLUMNS)
    + " FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r("
    + ", ".join(f"{c} {t}" for c, t in zip(_COLUMNS, _PG_TYPES, strict=True)) + ") "
    "ON CONFLICT (id, entity) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c not in ("id", "entity", "created_at"))
)


_PG_COPY = "COPY records (" + ", ".join(_COLUMNS) + ") FROM STDIN (FORMAT BINARY)"
_PG_COPY_TYPES = [{"int": "int4", "bigint": "int8"}.get(t, t) for t in _PG_TYPES]
_JSON_COLUMNS = frozenset({"fields", "field_revs"})


_CASE, _PERSON = Entity.CASE.value, Entity.PERSON.value


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_for(conn: Connection) -> Any:
    """The dialect's INSERT construct (with ``on_conflict_do_*``)."""
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def per_dialect(build: Callable[[str], T]) -> dict[str, T]:
    """A statement built once for each backend: building one (and its cache key) costs more
    than running a small one, and the ingest path runs several per batch."""
    return {dialect: build(dialect) for dialect in ("postgresql", "sqlite")}


def ids_in(column: Any, dialect: str, name: str = "ids") -> ColumnElement[bool]:
    """``column IN :name`` for ids and 身份证号 (never containing a comma); pass the values
    through :func:`ids_param`. On PostgreSQL one text parameter split server-side: the
    driver's per-element array quoting is slow."""
    if dialect == "postgresql":
        return column == any_(func.string_to_array(bindparam(name, type_=String), ","))
    return column.in_(bindparam(name, expanding=True))


def ids_param(conn: Connection, values: list[str]) -> str | list[str]:
    return ",".join(values) if conn.dialect.name == "postgresql" else values


_VILLAGE_LOG = VillageLog.__table__
_LOCK = per_dialect(lambda d: (postgresql.insert if d == "postgresql" else sqlite.insert)(_VILLAGE_LOG)
                    .values(village_code=bindparam("village"), last_seq=0)
                    .on_conflict_do_update(index_elements=["village_code"], set_={"last_seq": _VILLAGE_LOG.c.last_seq})
                    .returning(_VILLAGE_LOG.c.last_seq))
_SET_SEQ = (update(_VILLAGE_LOG).where(_VILLAGE_LOG.c.village_code == bindparam("village"))
            .values(last_seq=bindparam("seq")))


def lock_village(conn: Connection, village_code: str) -> int:
    """Take the village's write lock for this transaction; return its last seq."""
    return int(conn.execute(_LOCK[conn.dialect.name], {"village": village_code}).scalar_one())


def set_village_seq(conn: Connection, village_code: str, last_seq: int) -> None:
    conn.execute(_SET_SEQ, {"village": village_code, "seq": last_seq})


#: ``field_revs`` key whose ``[revision, origin]`` holds for every field in ``fields`` that
#: has no entry of its own: a record's first write stores ``{"*": [1, origin]}`` instead of
#: one entry per field (never a field name: those are identifiers or ``data.<key>``).
ALL_FIELDS = "*"


@dataclass(slots=True)
class RecordState:
    """A record as held in memory during one write transaction. ``field_revs`` is as
    stored (possibly with the compact :data:`ALL_FIELDS` entry); :meth:`revs` expands it."""

    entity: str
    id: str
    village_code: str
    revision: int = 0
    deleted: bool = False
    fields: dict[str, Any] = field(default_factory=dict)
    field_revs: dict[str, list[int]] = field(default_factory=dict)
    created_at: datetime | None = None
    seq: int = 0
    stored: bool = False  # a row exists in the database

    @property
    def key(self) -> Key:
        return (self.entity, self.id)

    def revs(self) -> dict[str, list[int]]:
        """``[revision, origin]`` of every field ever written (a field without one: never)."""
        every = self.field_revs.get(ALL_FIELDS)
        if every is None:
            return self.field_revs
        revs = dict.fromkeys(self.fields, every)
        revs.update(self.field_revs)
        del revs[ALL_FIELDS]
        return revs

    def current(self) -> dict[str, Any]:
        """The flat field dict plus the ``deleted`` flag (a pseudo-field for every entity)."""
        return {**self.fields, "deleted": self.deleted}

    def values(self, now: datetime) -> tuple[Any, ...]:
        """The table row, in ``_COLUMNS`` order."""
        spec = SPECS[self.entity]
        fields = self.fields
        if "deleted" in fields and "deleted" not in spec.fields:
            fields = {k: v for k, v in fields.items() if k != "deleted"}
        parent = spec.parent
        return (self.id, self.entity, self.village_code, self.revision, self.seq, self.deleted, fields,
                self.field_revs, fields.get("status") if self.entity == _CASE else None,
                fields.get("id_number") if self.entity == _PERSON else None,
                fields.get(parent[0]) if parent else None, self.created_at or now, now)

    def row(self, now: datetime) -> dict[str, Any]:
        return dict(zip(_COLUMNS, self.values(now), strict=True))


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def one_of(conn: Connection, column: Any, values: list[str]) -> ColumnElement[bool]:
    """``column IN values`` for ids and 身份证号 (never containing a comma), as :func:`ids_in`."""
    if conn.dialect.name == "postgresql":
        return column == any_(func.string_to_array(bindparam(None, ",".join(values), type_=String), ","))
    return column.in_(values)


_T = Record.__table__.c
_LOAD = per_dialect(lambda d: select(_T.entity, _T.id, _T.village_code, _T.revision, _T.deleted, _T.fields,
                                     _T.field_revs, _T.created_at, _T.seq).where(ids_in(_T.id, d)))


def load_records(conn: Connection, keys: Iterable[Key]) -> dict[Key, RecordState]:
    """The stored records among ``keys`` (any village: callers check the village)."""
    wanted = set(keys)
    found: dict[Key, RecordState] = {}
    stmt = _LOAD[conn.dialect.name]
    for chunk in _chunks(sorted({rid for _, rid in wanted})):
        # fetch all at once (row by row costs a driver call each); the JSON values are fresh
        # objects of this result, owned by the state from here on
        rows = conn.execute(stmt, {"ids": ids_param(conn, chunk)}).all()
        for entity, rid, village, revision, deleted, fields, field_revs, created_at, seq in rows:
            if (entity, rid) in wanted:
                found[(entity, rid)] = RecordState(entity, rid, village, revision, deleted, fields, field_revs,
                                                   created_at, seq, True)
    return found


def write_records(conn: Connection, states: list[RecordState], now: datetime) -> None:
    """Insert or update ``states``: on PostgreSQL one COPY of the new records and one
    statement for the others, on SQLite executemany."""
    if not states:
        return
    if conn.dialect.name == "postgresql":
        new = [s.values(now) for s in states if not s.stored]
        if new:
            _pg_copy(conn, new)
        stored = [s.row(now) for s in states if s.stored]
        if stored:
            conn.execute(_PG_UPSERT, {"rows": orjson.dumps(stored).decode()})
        for s in states:
            s.stored = True
        return
    rows = [s.row(now) for s in states]
    table = Record.__table__
    stmt = insert_for(conn)(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["entity", "id"],
        set_={c: stmt.excluded[c] for c in _COLUMNS if c not in ("entity", "id", "created_at")},
    )
    conn.execute(stmt, rows)


def _pg_copy(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """COPY rows of records that do not exist yet (the village lock keeps another writer of
    the village out; an id taken meanwhile by another village fails the transaction with
    IntegrityError, and ``batches.apply_batch`` tries again)."""
    import psycopg
    from psycopg.types.json import set_json_dumps

    try:
        with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            set_json_dumps(orjson.dumps, cursor)
            with cursor.copy(_PG_COPY) as copy:
                copy.set_types(_PG_COPY_TYPES)
                for row in rows:
                    copy.write_row(row)
    except psycopg.IntegrityError as exc:  # as SQLAlchemy reports it for its own statements
        raise IntegrityError(_PG_COPY, None, exc) from exc


def new_field_revs(state: RecordState, changed: Iterable[str], revision: int, origin: int) -> None:
    for name in changed:
        state.field_revs[name] = [revision, origin]


def set_fields(state: RecordState, values: dict[str, Any], changed: Iterable[str], origin: int) -> None:
    """Store ``values`` in the record; ``changed`` ones are marked written by ``origin`` at the
    record's revision. A key new to the record but not changed (a None value) is marked never
    written, so the record's compact :data:`ALL_FIELDS` entry does not cover it."""
    unwritten = [k for k in values if k not in state.fields]
    state.fields.update(values)
    new_field_revs(state, unwritten, 0, 0)
    new_field_revs(state, changed, state.revision, origin)
