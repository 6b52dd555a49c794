"""What 帮助 → 关于 tells about this installation's data folder: its schema revision, village,
device number and sync server — plain SQL through ``store.sql()`` (no ORM)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jydesk.store.database import Store


@dataclass(frozen=True, slots=True)
class StoreFacts:
    schema_revision: str | None
    village_code: str | None
    village_name: str | None
    device_no: int | None
    device_id: str | None
    server_url: str | None
    last_sync_at: str | None


def store_facts(store: Store) -> StoreFacts:
    """The data folder's facts (None where the installation has none yet)."""
    with store.sql() as db:
        revision = db.execute("SELECT version_num FROM alembic_version").fetchone()
        village = db.execute("SELECT village_code, village_name, device_no FROM installation").fetchone()
        state = dict(db.execute("SELECT key, value FROM sync_state WHERE key IN "
                                "('device_id', 'server_url', 'last_sync_at')").fetchall())
    code, name, number = village or (None, None, None)
    return StoreFacts(revision[0] if revision else None, code, name, number, state.get("device_id"),
                      state.get("server_url"), state.get("last_sync_at"))
