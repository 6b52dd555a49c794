"""Pull: the records of a village changed after a cursor, in commit order.

The cursor is the village ``seq`` of the last record returned (an opaque string on the
wire). A record appears once, in its current state, at the position of its latest write;
``records.lock_village`` guarantees no write below a returned seq can commit later.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sync.protocol.errors import ErrorCode
from sync.protocol.models import MAX_PULL_LIMIT
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Record


def parse_cursor(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 0
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise ServiceError(ErrorCode.INVALID_REQUEST, 400, "同步位置（cursor）不正确，请从头同步", field="cursor")
    return int(cursor)


def pull(db: Database, village_code: str, cursor: str | None, limit: int) -> dict[str, Any]:
    after = parse_cursor(cursor)
    limit = max(1, min(limit, MAX_PULL_LIMIT))
    t = Record.__table__.c
    stmt = (select(t.entity, t.id, t.revision, t.fields, t.deleted, t.seq)
            .where(t.village_code == village_code, t.seq > after).order_by(t.seq).limit(limit + 1))
    with db.read() as conn:
        rows = conn.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    changes = [{"entity": r.entity, "id": r.id, "revision": r.revision, "fields": r.fields, "deleted": r.deleted}
               for r in rows]
    return {"changes": changes, "cursor": str(rows[-1].seq if rows else after), "more": more}
