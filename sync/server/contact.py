"""What a device runs and when it last made contact; the oldest protocol the server accepts.

Every request of the desktop client says its program version (``X-Jydesk-Version``) and
protocol (``X-Jydesk-Protocol``; a request without it is protocol 1, as clients were before
the header). A protocol below ``Settings.min_protocol`` is answered 426 ``client_too_old``
with the Chinese 升级提示 the clerk sees as is. The device row keeps the versions and the
last contact (``list-devices``), written only when they changed or the stored contact is
older than :data:`CONTACT_INTERVAL`: a push costs no extra write in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update

from jydesk.version import MAX_LENGTH
from sync.protocol.errors import ErrorCode
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Device
from sync.server.records import utcnow

if TYPE_CHECKING:
    from sync.server.devices import DeviceRecord

#: A device's stored last contact may be this old before a request writes it again.
CONTACT_INTERVAL = timedelta(minutes=5)
#: The protocol of a request without ``X-Jydesk-Protocol``.
LEGACY_PROTOCOL = 1


@dataclass(frozen=True, slots=True)
class ClientVersion:
    """The versions a request's headers name (None: not sent)."""

    app_version: str | None = None
    protocol: int | None = None

    @classmethod
    def from_headers(cls, version: str | None, protocol: int | None) -> ClientVersion:
        text = "".join(ch for ch in (version or "") if ch.isprintable() and not ch.isspace())[:MAX_LENGTH]
        return cls(text or None, protocol)

    @property
    def effective_protocol(self) -> int:
        return self.protocol if self.protocol is not None else LEGACY_PROTOCOL


def too_old_text(protocol: int, minimum: int) -> str:
    return f"本机 jydesk 版本过旧（协议 {protocol}），市级平台要求协议 {minimum} 及以上，请安装新版本"


def check_protocol(client: ClientVersion, minimum: int) -> None:
    """426 ``client_too_old`` when the client's protocol is below ``minimum``."""
    if client.effective_protocol < minimum:
        raise ServiceError(ErrorCode.CLIENT_TOO_OLD, 426, too_old_text(client.effective_protocol, minimum))


def record_contact(db: Database, device: DeviceRecord, client: ClientVersion, now: datetime | None = None) -> bool:
    """Store the device's versions and last contact if they changed or the contact is stale
    (True if it wrote). ``device`` is the row as authentication read it."""
    now = now or utcnow()
    if (device.app_version == client.app_version and device.protocol_version == client.protocol
            and device.last_seen_at is not None and now - device.last_seen_at < CONTACT_INTERVAL):
        return False
    d = Device.__table__.c
    with db.write() as conn:
        conn.execute(update(Device).where(d.id == device.ref.id)
                     .values(last_seen_at=now, app_version=client.app_version, protocol_version=client.protocol))
    return True
