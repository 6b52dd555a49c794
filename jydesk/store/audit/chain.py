"""The audit log's hash chain: each entry carries SHA-256 over its canonical form and the hash of
the entry before it, so an entry edited, deleted or reordered outside the app shows up as the
first link that no longer matches (``verify``).

Plain Python and ``sqlite3`` (no SQLAlchemy): the command line and the app's background check
read the log through ``Store.sql()``. Entries are sealed in the transaction that inserts them
(the unit of work's ``before_insert`` hook, ``bulk_insert``); writers are serialised by
``BEGIN IMMEDIATE``, so the tail read before sealing is the real tail.

The chain shows that the file was changed, not who changed it: anyone who can write the file and
knows this algorithm can rebuild the whole chain. Encryption of the file is what keeps such a
person out; the chain makes careless or partial edits visible.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

#: The "previous hash" of the first entry.
GENESIS = "0" * 64
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
#: Columns in the order ``entry_hash`` takes them.
COLUMNS = "id, at, actor_id, actor_name, action, entity, record_id, changes, detail"
TAIL_SQL = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"


def time_text(at: datetime | str | None) -> str:
    """The canonical text of an entry's time (whatever format the column holds it in)."""
    if at is None:
        return ""
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            return at
    return at.isoformat(sep=" ", timespec="microseconds")


def entry_hash(prev: str, id_: int, at: datetime | str | None, actor_id: str | None, actor_name: str | None,
               action: str | None, entity: str | None, record_id: str | None, changes: Any,
               detail: str | None) -> str:
    """SHA-256 (hex) of the previous hash and the entry's canonical serialisation."""
    body = _canonical([id_, time_text(at), actor_id, actor_name, action, entity, record_id, changes, detail])
    return hashlib.sha256(prev.encode("ascii") + b"\n" + body).hexdigest()


def _canonical(value: Any) -> bytes:
    """Sorted-key compact JSON; what orjson cannot write (integers beyond 64 bits) goes through
    the standard library, the same way when sealing and when verifying."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def stored_changes(text: Any) -> Any:
    """The ``changes`` column as stored (JSON text, or NULL) -> its value."""
    if text is None or not isinstance(text, (str, bytes)):
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return json.loads(text)  # e.g. integers beyond 64 bits
        except ValueError:
            return text  # hashed as the raw text: still detected if changed


def tail(conn: Any) -> tuple[int, str]:
    """(last id, its hash) of the log read through ``conn`` (a DB-API or SQLAlchemy connection)."""
    row = conn.exec_driver_sql(TAIL_SQL).fetchone() if hasattr(conn, "exec_driver_sql") \
        else conn.execute(TAIL_SQL).fetchone()
    if row is None:
        return 0, GENESIS
    return int(row[0]), row[1] or GENESIS


def seal_rows(last: tuple[int, str], rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Ids and hashes for new entries ``(at, actor_id, actor_name, action, entity, record_id,
    changes, detail)`` following ``last``: rows ``(id, ..., changes as JSON text, detail, hash)``."""
    last_id, prev = last
    sealed = []
    for at, actor_id, actor_name, action, entity, record_id, changes, detail in rows:
        last_id += 1
        try:
            text = orjson.dumps(changes).decode()
        except TypeError:  # orjson.JSONEncodeError: e.g. an integer beyond 64 bits
            text = json.dumps(changes, ensure_ascii=False)
        prev = entry_hash(prev, last_id, at, actor_id, actor_name, action, entity, record_id, stored_changes(text),
                          detail)
        sealed.append((last_id, time_text(at), actor_id, actor_name, action, entity, record_id, text, detail, prev))
    return sealed


INSERT_SQL = ("INSERT INTO audit_log (id, at, actor_id, actor_name, action, entity, record_id, changes, detail, "
              "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """The first entry whose hash does not follow from the entries before it."""

    id: int
    at: str
    reason: str

    @property
    def message(self) -> str:
        return f"操作日志在第 {self.id} 条（{self.at[:19]}）处断开：{self.reason}。数据文件可能在程序之外被改动过"


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What ``verify`` found: how many entries were checked and the first broken link, if any."""

    checked: int
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def message(self) -> str:
        if self.broken is not None:
            return self.broken.message
        return f"操作日志完整（共 {self.checked} 条，哈希链未断开）"


def verify(db: sqlite3.Connection, batch: int = 20000) -> ChainReport:
    """Recompute the chain over the whole log in id order; stop at the first broken link."""
    prev, expected_id, checked = GENESIS, None, 0
    after = -1
    while True:
        rows = db.execute(f"SELECT {COLUMNS}, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
                          (after, batch)).fetchall()
        if not rows:
            return ChainReport(checked, None)
        for id_, at, actor_id, actor_name, action, entity, record_id, changes, detail, stored in rows:
            computed = entry_hash(prev, id_, at, actor_id, actor_name, action, entity, record_id,
                                  stored_changes(changes), detail)
            if stored != computed:
                if not stored:
                    reason = "该条没有哈希值"
                elif expected_id is not None and id_ > expected_id:
                    reason = f"前面缺少第 {expected_id} 条" if id_ == expected_id + 1 else \
                        f"前面缺少第 {expected_id}–{id_ - 1} 条"
                else:
                    reason = "内容或顺序与哈希值不符（被修改、删除或调换）"
                return ChainReport(checked, BrokenLink(id_, time_text(at), reason))
            prev, expected_id, checked = computed, id_ + 1, checked + 1
        after = rows[-1][0]


def chain_links(rows: Iterable[Sequence[Any]]) -> list[tuple[str, int]]:
    """(hash, id) for every entry of ``rows`` (``COLUMNS``, in id order): the links the migration
    that introduced the chain gives the entries written before it."""
    prev, links = GENESIS, []
    for id_, at, actor_id, actor_name, action, entity, record_id, changes, detail in rows:
        prev = entry_hash(prev, id_, at, actor_id, actor_name, action, entity, record_id,
                          stored_changes(changes), detail)
        links.append((prev, id_))
    return links
