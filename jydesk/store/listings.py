"""Windowed lists of people and households: sorted pages over the whole table, read with
plain SQL (``store.sql()``), so the main window paints its list before the ORM is loaded."""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from jydesk.store.search_query import search_ids
from jydesk.store.sql_values import as_date

if TYPE_CHECKING:
    from jydesk.store.database import Store


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One line of the people list (ID number in full: the view masks it)."""

    id: str
    name: str
    sex: str | None
    birth_date: date | None
    id_number: str
    relation: str | None
    phone: str | None
    care_flags: tuple[str, ...]
    household_id: str | None
    group_no: int | None
    address: str | None


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    """One line of the household list."""

    id: str
    head_name: str | None
    group_no: int | None
    address: str
    residence: str
    phone: str | None
    members: int


# Sort keys -> ORDER BY. Each ends with the primary key so the order is total.
# "registered" is UUIDv7 order = the order records were made on the devices.
# In the SQL the listed table is "x"; a person's household is "h", a household's head "hp".
# A leading "+" keeps SQLite from walking a sparse index for a full sort (4x slower).
PERSON_SORTS: dict[str, str] = {
    "registered": "x.id",
    "name": "x.name, x.id",
    "sex": "x.sex, x.id",
    "id_number": "+x.id_number, x.id",
    "birth_date": "+x.birth_date, x.id",
    "relation": "x.relation, x.id",
    "phone": "x.phone, x.id",
    "address": "h.group_no, h.address, x.household_id, x.id",
}
HOUSEHOLD_SORTS: dict[str, str] = {
    "registered": "x.id",
    "address": "x.group_no, x.address, x.id",
    "head_name": "hp.name, x.id",
    "residence": "x.residence, x.id",
    "phone": "x.phone, x.id",
}


def _order(sorts: dict[str, str], key: str, descending: bool) -> str:
    if key not in sorts:
        raise ValueError(f"unknown sort key {key!r}")
    clause = sorts[key]
    if descending:
        clause = ", ".join(f"{part.strip()} DESC" for part in clause.split(","))
    return clause


def _flags(value: object) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(value)  # type: ignore[arg-type]


class Listing:
    """A sorted window over a whole table: ``count()`` then ``page(offset, limit)`` on demand.

    ``estimate()`` (1 ms) sizes the view for its first paint; the first pages come from
    ``LIMIT/OFFSET`` over the rowids (a few ms near the top). ``prepare()``
    — meant to run in a worker thread — loads the full order as an array of rowids (~60-250 ms
    on 100k rows, 8 bytes a row); from then on any page is a 1 ms ``rowid IN (...)`` lookup.
    Thread-safe: each thread reads through its own connection (``store.sql()``, no ORM).
    """

    _table: str
    _count_sql: str
    _columns_sql: str  # SELECT ... ending with x.rowid
    _tables_sql: str  # FROM <table> x [JOIN ...]
    _where_sql: str
    _sorts: dict[str, str]

    def __init__(self, store: Store, sort: str = "registered", descending: bool = False) -> None:
        self.store = store
        self.order = _order(self._sorts, sort, descending)
        self.sort, self.descending = sort, descending
        self._keys: array[int] | None = None

    @property
    def prepared(self) -> bool:
        return self._keys is not None

    def count(self) -> int:
        """Exact number of rows (a table scan on 100k rows, ~20 ms, unless prepared)."""
        if self._keys is not None:
            return len(self._keys)
        with self.store.sql() as db:
            return int(db.execute(self._count_sql).fetchone()[0])

    def estimate(self) -> int:
        """An upper bound in ~1 ms: all rows including soft-deleted ones (counted on the smallest
        index). Exact when nothing was deleted; ``count()`` after ``prepare()`` is exact."""
        with self.store.sql() as db:
            return int(db.execute(f"SELECT count(*) FROM {self._table}").fetchone()[0])

    def _key_tables(self) -> str:
        """Tables the order needs: the joins only when the ORDER BY reaches into them."""
        if any(alias in self.order for alias in ("h.", "hp.")):
            return self._tables_sql
        return self._tables_sql.split(" LEFT JOIN ")[0]

    def _keys_sql(self) -> str:
        return f"SELECT x.rowid AS r {self._key_tables()} WHERE {self._where_sql} ORDER BY {self.order}"

    def prepare(self) -> None:
        """Load the whole order as rowids (call from a worker thread)."""
        with self.store.sql() as db:
            joined = db.execute(f"SELECT group_concat(r) FROM ({self._keys_sql()})").fetchone()[0]
        self._keys = array("q", map(int, joined.split(","))) if joined else array("q")

    def page(self, offset: int, limit: int) -> list[Any]:
        keys = self._keys
        with self.store.sql() as db:
            if keys is None:
                # Skip rows on the narrow key query (no wide columns, no joins it does not need),
                # then read the page's rows by rowid.
                wanted = [r[0] for r in db.execute(f"{self._keys_sql()} LIMIT ? OFFSET ?", (limit, offset))]
            else:
                wanted = keys[offset:offset + limit].tolist()
            if not wanted:
                return []
            marks = ",".join("?" * len(wanted))
            rows = db.execute(f"{self._columns_sql} {self._tables_sql} WHERE x.rowid IN ({marks})",
                              tuple(wanted)).fetchall()
        by_key = {r[-1]: r for r in rows}
        # A row deleted since prepare() is simply skipped; the caller refreshes on save.
        return [self._row(by_key[k]) for k in wanted if k in by_key]

    def _row(self, r: Sequence[Any]) -> Any:
        raise NotImplementedError


class PersonListing(Listing):
    """Every registered (not deleted) person, with the household's 组 and address."""

    _table = "persons"
    _count_sql = "SELECT count(*) FROM persons WHERE deleted = 0"
    _columns_sql = ("SELECT x.id, x.name, x.sex, x.birth_date, x.id_number, x.relation, x.phone, x.care_flags, "
                    "x.household_id, h.group_no, h.address, x.rowid")
    _tables_sql = "FROM persons x LEFT JOIN households h ON h.id = x.household_id"
    _where_sql = "x.deleted = 0"
    _sorts = PERSON_SORTS

    def _row(self, r: Sequence[Any]) -> PersonRow:
        return person_row(r)


class HouseholdListing(Listing):
    """Every (not deleted) household with its head's name and member count."""

    _table = "households"
    _count_sql = "SELECT count(*) FROM households WHERE deleted = 0"
    _columns_sql = ("SELECT x.id, hp.name, x.group_no, x.address, x.residence, x.phone, "
                    "(SELECT count(*) FROM persons m WHERE m.household_id = x.id AND m.deleted = 0), x.rowid")
    _tables_sql = "FROM households x LEFT JOIN persons hp ON hp.id = x.head_person_id"
    _where_sql = "x.deleted = 0"
    _sorts = HOUSEHOLD_SORTS

    def _row(self, r: Sequence[Any]) -> HouseholdRow:
        return household_row(r)




def person_row(r: Sequence[Any]) -> PersonRow:
    """A people-list row from the columns of ``PersonListing._columns_sql``."""
    return PersonRow(r[0], r[1], r[2], as_date(r[3]), r[4], r[5], r[6], _flags(r[7]), r[8], r[9], r[10])


def household_row(r: Sequence[Any]) -> HouseholdRow:
    """A household-list row from the columns of ``HouseholdListing._columns_sql``."""
    return HouseholdRow(*r[:7])


def persons_by_ids(db: sqlite3.Connection, ids: Sequence[str]) -> list[PersonRow]:
    """People rows for the given ids, in the given order (search results)."""
    if not ids:
        return []
    sql = f"{PersonListing._columns_sql} {PersonListing._tables_sql} WHERE x.id IN ({','.join('?' * len(ids))})"
    by_id = {r[0]: r for r in db.execute(sql, tuple(ids))}
    return [person_row(r) for i in ids if (r := by_id.get(i)) is not None]


def households_by_ids(db: sqlite3.Connection, ids: Sequence[str]) -> list[HouseholdRow]:
    """Household rows for the given ids, in the given order."""
    if not ids:
        return []
    sql = f"{HouseholdListing._columns_sql} {HouseholdListing._tables_sql} WHERE x.id IN ({','.join('?' * len(ids))})"
    by_id = {r[0]: household_row(r) for r in db.execute(sql, tuple(ids))}
    return [by_id[i] for i in ids if i in by_id]


def search_persons(db: sqlite3.Connection, query: str, limit: int = 200) -> list[PersonRow]:
    """People the search box finds (name, pinyin initials, ID, phone, address), best first."""
    return persons_by_ids(db, [pid for pid, _ in search_ids(db, query, limit)])


def search_households(db: sqlite3.Connection, query: str, limit: int = 200) -> list[HouseholdRow]:
    """Households of the people the search box finds, best first."""
    person_ids = [pid for pid, _ in search_ids(db, query, limit * 3)]
    order: list[str] = []
    for row in persons_by_ids(db, person_ids):
        if row.household_id and row.household_id not in order:
            order.append(row.household_id)
            if len(order) >= limit:
                break
    return households_by_ids(db, order)
