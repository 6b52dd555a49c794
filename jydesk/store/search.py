"""Index-backed people search: names (any length), pinyin initials, ID numbers, phones, addresses.

The index is a WITHOUT ROWID table of (term, rank, person_id). Every substring of a name is
a term (names are short), so 1- and 2-character Chinese queries hit the index directly —
FTS5's trigram tokenizer cannot. Ranks order results: 0 exact, 1 prefix, 2 inside.
Term prefixes: n name, p pinyin initials, i ID number, m mobile/phone, t ID or phone tail.
Addresses are indexed by character bigrams per household. This module writes the index (in
the unit of work); ``jydesk.store.search_query`` reads it (plain SQL, ``store.sql()``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, select

from jydesk.domain.pinyin import initials
from jydesk.store.models import Household, HouseholdSearchTerm, Person, PersonSearchTerm
from jydesk.store.search_query import TAIL_LENGTHS
from jydesk.store.search_query import SearchHit as SearchHit  # re-exported: the query side
from jydesk.store.search_query import classify as classify  # re-exported
from jydesk.store.search_query import search as search  # re-exported
from jydesk.store.search_query import search_ids as search_ids  # re-exported


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
        for n in TAIL_LENGTHS:
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


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
