"""People search as the search box does it, in plain SQL over ``store.sql()`` (no ORM):
ranked person ids for a query (names, pinyin initials, ID numbers and their tails, phones,
addresses) and the hits with their household. The index it reads is written by
``jydesk.store.search`` inside the unit of work.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from jydesk.store.sql_values import as_date

_DIGITS = re.compile(r"^\d+X?$")
_LETTERS = re.compile(r"^[a-z]+$")
TAIL_LENGTHS = (4, 5, 6)


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


def search_ids(db: sqlite3.Connection, query: str, limit: int = 50) -> list[tuple[str, str]]:
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
        if len(q) in TAIL_LENGTHS:
            add(db.execute(_TERM, {"term": "t" + q, "limit": limit}), "身份证号/电话")
        if len(q) >= 4 and len(found) < limit:
            for prefix, label in (("i", "身份证号"), ("m", "电话")):
                add(db.execute(_PREFIX, {"lo": prefix + q, "hi": prefix + q + "\uffff", "limit": limit}), label)
        return found
    if kind == "letters":
        add(db.execute(_TERM, {"term": "p" + q, "limit": limit}), "拼音")
        return found
    if len(q) <= 8:
        add(db.execute(_TERM, {"term": "n" + q, "limit": limit}), "姓名")
    if len(found) < limit and len(q) >= 2:
        add(db.execute(_ADDRESS, {"term": q[:2], "like": f"%{_escape(q)}%", "limit": limit}), "住址")
    return found


def search(db: sqlite3.Connection, query: str, limit: int = 50) -> list[SearchHit]:
    """Search people as the search box does: ranked hits with household address."""
    pairs = search_ids(db, query, limit)
    if not pairs:
        return []
    ids = [p for p, _ in pairs]
    rows = db.execute(_DETAILS + f"({','.join('?' * len(ids))})", ids).fetchall()
    by_id = {r[0]: r for r in rows}
    hits = []
    for pid, label in pairs:
        r = by_id.get(pid)
        if r is not None:
            hits.append(SearchHit(r[0], r[1], r[2], r[3], as_date(r[4]), r[5], r[6], r[7], r[8], label))
    return hits


def _escape(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_TERM = "SELECT person_id FROM person_search WHERE term = :term ORDER BY rank LIMIT :limit"
_PREFIX = "SELECT person_id FROM person_search WHERE term >= :lo AND term < :hi LIMIT :limit"
_ADDRESS = (
    "SELECT p.id FROM household_search hs JOIN households h ON h.id = hs.household_id "
    "JOIN persons p ON p.household_id = h.id AND p.deleted = 0 "
    "WHERE hs.term = :term AND h.address LIKE :like ESCAPE '\\' AND h.deleted = 0 LIMIT :limit"
)
_DETAILS = (
    "SELECT p.id, p.name, p.id_number, p.sex, p.birth_date, p.phone, p.household_id, h.address, h.group_no "
    "FROM persons p LEFT JOIN households h ON h.id = p.household_id WHERE p.id IN "
)
