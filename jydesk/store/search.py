"""Index-backed people search: names (any length), pinyin initials, ID numbers, phones, addresses.

The index is a WITHOUT ROWID table of (term, rank, person_id). Every substring of a name is
a term (names are short), so 1- and 2-character Chinese queries hit the index directly —
FTS5's trigram tokenizer cannot. Ranks order results: 0 exact, 1 prefix, 2 inside.
Term prefixes: n name, p pinyin initials, i ID number, m mobile/phone, t ID or phone tail.
Addresses are indexed by character bigrams per household.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, bindparam, delete, select, text

from jydesk.domain.pinyin import initials
from jydesk.store.models import Household, HouseholdSearchTerm, Person, PersonSearchTerm

_DIGITS = re.compile(r"^\d+X?$")
_LETTERS = re.compile(r"^[a-z]+$")
_TAIL_LENGTHS = (4, 5, 6)


@dataclass(frozen=True, slots=True)
class SearchHit:
    person_id: str
    name: str
    id_number: str
    sex: str | None
    birth_date: date | None
    phone: str | None
    household_id: str | None
    address: str | None
    group_no: int | None
    matched: str  # 姓名 / 拼音 / 身份证号 / 电话 / 住址


def person_terms(name: str, id_number: str | None, phone: str | None) -> dict[str, int]:
    """All index terms of one person with their rank (lowest rank kept per term)."""
    terms: dict[str, int] = {}

    def put(term: str, rank: int) -> None:
        if rank < terms.get(term, 99):
            terms[term] = rank

    name = "".join((name or "").split())
    for i in range(len(name)):
        for j in range(i + 1, min(len(name), i + 8) + 1):
            sub = name[i:j]
            put("n" + sub, 0 if sub == name else (1 if i == 0 else 2))
    py = initials(name)
    for k in range(1, len(py) + 1):
        put("p" + py[:k], 0 if k == len(py) else 1)
    if id_number:
        put("i" + id_number, 0)
        for n in _TAIL_LENGTHS:
            put("t" + id_number[-n:], 0)
    if phone:
        put("m" + phone, 0)
        put("t" + phone[-4:], 1)
    return terms


def address_terms(address: str | None) -> set[str]:
    address = "".join((address or "").split())
    return {address[i:i + 2] for i in range(len(address) - 1)}


def index_persons(conn: Connection, rows: Sequence[tuple[str, str, str | None, str | None, bool]]) -> None:
    """(Re)index persons given as (id, name, id_number, phone, deleted)."""
    ids = [r[0] for r in rows]
    for chunk in _chunks(ids, 500):
        conn.execute(delete(PersonSearchTerm).where(PersonSearchTerm.person_id.in_(chunk)))
    values = [
        (term, rank, pid)
        for pid, name, idn, phone, deleted in rows if not deleted
        for term, rank in person_terms(name, idn, phone).items()
    ]
    if values:  # plain executemany: the index is the bulk of every insert
        conn.exec_driver_sql("INSERT INTO person_search (term, rank, person_id) VALUES (?, ?, ?)", values)


def reindex_person(conn: Connection, person_id: str, old: tuple[str, str | None, str | None] | None,
                   new: tuple[str, str | None, str | None] | None) -> None:
    """Update one person's terms by difference: (name, id_number, phone) before and after (None: absent)."""
    before = person_terms(*old) if old else {}
    after = person_terms(*new) if new else {}
    gone = [(t, r, person_id) for t, r in before.items() if after.get(t) != r]
    added = [(t, r, person_id) for t, r in after.items() if before.get(t) != r]
    if gone:
        conn.exec_driver_sql("DELETE FROM person_search WHERE term = ? AND rank = ? AND person_id = ?", gone)
    if added:
        conn.exec_driver_sql("INSERT OR IGNORE INTO person_search (term, rank, person_id) VALUES (?, ?, ?)", added)


def index_households(conn: Connection, rows: Sequence[tuple[str, str | None, bool]]) -> None:
    """(Re)index household addresses given as (id, address, deleted)."""
    ids = [r[0] for r in rows]
    for chunk in _chunks(ids, 500):
        conn.execute(delete(HouseholdSearchTerm).where(HouseholdSearchTerm.household_id.in_(chunk)))
    values = [(t, hid) for hid, address, deleted in rows if not deleted for t in address_terms(address)]
    if values:
        conn.exec_driver_sql("INSERT INTO household_search (term, household_id) VALUES (?, ?)", values)


def rebuild(conn: Connection) -> None:
    """Rebuild both indexes from the tables (used by migrations and repairs)."""
    conn.execute(delete(PersonSearchTerm))
    conn.execute(delete(HouseholdSearchTerm))
    persons = conn.execute(select(Person.id, Person.name, Person.id_number, Person.phone, Person.deleted)).all()
    index_persons(conn, [tuple(r) for r in persons])
    households = conn.execute(select(Household.id, Household.address, Household.deleted)).all()
    index_households(conn, [tuple(r) for r in households])


def classify(query: str) -> tuple[str, str]:
    """(kind, normalised query): kind is digits / letters / text / empty."""
    q = "".join((query or "").split())
    if not q:
        return "empty", ""
    if _DIGITS.match(q.upper()):
        return "digits", q.upper()
    if _LETTERS.match(q.lower()):
        return "letters", q.lower()
    return "text", q


def search_ids(conn: Connection, query: str, limit: int = 50) -> list[tuple[str, str]]:
    """Ranked (person_id, matched-by) pairs for a query, best first."""
    kind, q = classify(query)
    found: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(rows: Iterable[Sequence[object]], label: str) -> None:
        for row in rows:
            pid = str(row[0])
            if pid not in seen and len(found) < limit:
                seen.add(pid)
                found.append((pid, label))

    if kind == "empty":
        return []
    if kind == "digits":
        if len(q) in _TAIL_LENGTHS:
            add(conn.execute(_TERM, {"term": "t" + q, "limit": limit}), "身份证号/电话")
        if len(q) >= 4 and len(found) < limit:
            for prefix, label in (("i", "身份证号"), ("m", "电话")):
                add(conn.execute(_PREFIX, {"lo": prefix + q, "hi": prefix + q + "\uffff", "limit": limit}), label)
        return found
    if kind == "letters":
        add(conn.execute(_TERM, {"term": "p" + q, "limit": limit}), "拼音")
        return found
    if len(q) <= 8:
        add(conn.execute(_TERM, {"term": "n" + q, "limit": limit}), "姓名")
    if len(found) < limit and len(q) >= 2:
        add(conn.execute(_ADDRESS, {"term": q[:2], "like": f"%{_escape(q)}%", "limit": limit}), "住址")
    return found


def search(conn: Connection, query: str, limit: int = 50) -> list[SearchHit]:
    """Search people as the search box does: ranked hits with household address."""
    pairs = search_ids(conn, query, limit)
    if not pairs:
        return []
    rows = conn.execute(_DETAILS, {"ids": [p for p, _ in pairs]}).all()
    by_id = {r.id: r for r in rows}
    hits = []
    for pid, label in pairs:
        r = by_id.get(pid)
        if r is not None:
            hits.append(SearchHit(r.id, r.name, r.id_number, r.sex, _as_date(r.birth_date), r.phone,
                                  r.household_id, r.address, r.group_no, label))
    return hits


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _escape(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


_TERM = text("SELECT person_id FROM person_search WHERE term = :term ORDER BY rank LIMIT :limit")
_PREFIX = text("SELECT person_id FROM person_search WHERE term >= :lo AND term < :hi LIMIT :limit")
_ADDRESS = text(
    "SELECT p.id FROM household_search hs JOIN households h ON h.id = hs.household_id "
    "JOIN persons p ON p.household_id = h.id AND p.deleted = 0 "
    "WHERE hs.term = :term AND h.address LIKE :like ESCAPE '\\' AND h.deleted = 0 LIMIT :limit"
)
_DETAILS = text(
    "SELECT p.id, p.name, p.id_number, p.sex, p.birth_date, p.phone, p.household_id, h.address, h.group_no "
    "FROM persons p LEFT JOIN households h ON h.id = p.household_id WHERE p.id IN :ids"
).bindparams(bindparam("ids", expanding=True))
