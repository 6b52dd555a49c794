"""What the 同步 panel shows, read in a worker thread (no widgets here): the sync state, the
counts by badge, the sync log and the changes the server sent back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

LOG_LINES = 200


def _read_log(store: Any) -> list[tuple[str, str, str]]:
    from sqlalchemy import select

    from jydesk.store.sync_models import SyncLogEntry

    with store.read() as s:
        rows = s.execute(select(SyncLogEntry).order_by(SyncLogEntry.id.desc()).limit(LOG_LINES)).scalars().all()
    return [(local_time(r.at).strftime("%m-%d %H:%M:%S"), r.level, r.message) for r in rows]


def local_time(at: datetime) -> datetime:
    """A stored naive-UTC time in the computer's time zone."""
    return at.replace(tzinfo=UTC).astimezone() if at.tzinfo is None else at.astimezone()


def read_snapshot(store: Any) -> dict[str, Any]:
    """What the panel shows, read in a worker thread (no widgets here)."""
    from jydesk.store.sync_status import counts
    from sync.client import state
    from sync.client.resolve import rejected_changes

    with store.read() as s:
        n = counts(s)
    return {"state": state.read_all(store), "counts": n, "log": _read_log(store), "rejected": rejected_changes(store)}
