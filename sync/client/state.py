"""The sync client's persistent state in the local ``sync_state`` key/value table.

Device id and secret (from enrollment), the server address, the village, the pull cursor
and the time of the last successful sync. Values are written inside the caller's
transaction where atomicity matters (the cursor goes with the pulled changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jydesk.store.database import Store
from jydesk.store.models import SyncState
from jydesk.store.unit_of_work import SERVER_ACTOR

DEVICE_ID = "device_id"
DEVICE_SECRET = "device_secret"
SERVER_URL = "server_url"
VILLAGE_CODE = "village_code"
TOWN_NAME = "town_name"
CURSOR = "cursor"
LAST_SYNC_AT = "last_sync_at"
ENROLLED_AT = "enrolled_at"


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the client needs to talk to the server as this device."""

    device_id: str
    secret: str
    server_url: str
    village_code: str


def get(session: Session, key: str) -> str | None:
    return session.execute(select(SyncState.value).where(SyncState.key == key)).scalar()


def put(session: Session, key: str, value: str | None) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value


def read_all(store: Store) -> dict[str, str | None]:
    with store.read() as s:
        return {r.key: r.value for r in s.execute(select(SyncState)).scalars()}


def write(store: Store, **values: str | None) -> None:
    """Set several keys in one transaction."""
    with store.write(SERVER_ACTOR, origin="server") as w:
        for key, value in values.items():
            put(w.session, key, value)


def credentials(store: Store) -> Credentials | None:
    """This installation's device credentials, or None if it is not enrolled."""
    values = read_all(store)
    device_id, secret, url = values.get(DEVICE_ID), values.get(DEVICE_SECRET), values.get(SERVER_URL)
    if not (device_id and secret and url):
        return None
    return Credentials(device_id, secret, url, values.get(VILLAGE_CODE) or "")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
