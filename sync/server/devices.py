"""Device enrollment and authentication.

An administrator makes a one-time code for a village (``jydesk-server enroll-device``);
the clerk's installation exchanges it once, before it expires, for a device id and a
secret. The server keeps only ``sha256(secret)``: the secret is 256 random bits, so a
slow password hash (argon2) would add nothing against guessing but cost ~50 ms on every
request; argon2 is used where secrets are human-chosen (reviewer passwords). The
enrollment code itself is also stored hashed. For USB bundles the server keeps the
device's bundle key, ``HMAC(secret, "jydesk-bundle-v1")`` — a derived key that cannot
be used to call the API.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update

from jydesk.domain.ids import new_id
from jydesk.domain.regions import town_of_village, validate_village_code
from jydesk.domain.register import MAX_DEVICE_NO
from sync.bundle import bundle_key
from sync.protocol.errors import ErrorCode
from sync.protocol.wire import split_device_token
from sync.server.batches import DeviceRef
from sync.server.contact import ClientVersion
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Device, EnrollmentCode
from sync.server.records import utcnow
from sync.server.reference import publish_for_village

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I/L/O/0/1: read aloud over the phone
CODE_LENGTH = 12


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(raw: str) -> str:
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    village_code: str
    expires_at: datetime


def issue_code(db: Database, village_code: str, *, ttl_hours: float = 72.0) -> IssuedCode:
    """A new one-time enrollment code for ``village_code`` (ValidationError if not a 简阳 village)."""
    village_code = validate_village_code(village_code)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = utcnow()
    expires = now + timedelta(hours=ttl_hours)
    with db.write() as conn:
        conn.execute(insert(EnrollmentCode).values(code_hash=sha256_hex(raw), village_code=village_code,
                                                   created_at=now, expires_at=expires))
    return IssuedCode(format_code(raw), village_code, expires)


def enroll(db: Database, code: str, device_name: str = "", village_code: str | None = None, *,
           replaces: DeviceRef | None = None, client: ClientVersion | None = None) -> dict[str, Any]:
    """Exchange a one-time code for a device id and secret (EnrollResult as a dict).

    ``village_code``: the village the installation already belongs to, if any. A code of
    another village is then refused and stays usable (it was given for the wrong computer,
    or read out wrongly) instead of enrolling a device the installation cannot keep.
    ``replaces``: the device this installation was enrolled as; it is revoked in the same
    transaction when the new device belongs to the same village (one installation, one active id).
    ``client``: the versions the enrolling program named (its first contact).
    """
    code_hash = sha256_hex(normalise_code(code))
    now = utcnow()
    secret = secrets.token_urlsafe(32)
    device_id = new_id()
    with db.write() as conn:
        c = EnrollmentCode.__table__.c
        usable = (c.code_hash == code_hash, c.used_at.is_(None), c.expires_at > now)
        if village_code is not None:
            found = conn.execute(select(c.village_code).where(*usable)).scalar()
            if found is not None and found != village_code:
                raise ServiceError(ErrorCode.ENROLLMENT_VILLAGE_MISMATCH, 409,
                                   f"该登记码属于村(社区) {found}，而本机属于村(社区) {village_code}，已拒绝登记。"
                                   "该登记码未作废，请使用本村(社区)的登记码", field="code")
        claimed = conn.execute(
            update(EnrollmentCode).where(*usable)
            .values(used_at=now, device_id=device_id).returning(c.village_code)).first()
        if claimed is None:
            row = conn.execute(select(c.used_at, c.expires_at).where(c.code_hash == code_hash)).first()
            if row is None:
                raise ServiceError(ErrorCode.ENROLLMENT_CODE_INVALID, 400, field="code")
            if row.used_at is not None:
                raise ServiceError(ErrorCode.ENROLLMENT_CODE_USED, 409, field="code")
            raise ServiceError(ErrorCode.ENROLLMENT_CODE_EXPIRED, 410, field="code")
        village = claimed.village_code
        if conn.dialect.name == "postgresql":  # one enrolment of a village at a time: numbers stay unique
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:v))"), {"v": f"enrol:{village}"})
        d = Device.__table__.c
        number = (conn.execute(select(func.max(d.village_no)).where(d.village_code == village)).scalar() or 0) + 1
        if number > MAX_DEVICE_NO:
            raise ServiceError(ErrorCode.INVALID, 409, f"村(社区) {village} 的本机编号已用完（最多{MAX_DEVICE_NO}台）",
                               field="code")
        conn.execute(insert(Device).values(
            id=device_id, village_code=village, name=device_name.strip()[:100], secret_hash=sha256_hex(secret),
            bundle_key=bundle_key(secret).hex(), enrolled_at=now, village_no=number,
            last_seen_at=now if client else None, app_version=client and client.app_version,
            protocol_version=client and client.protocol))
        if replaces is not None and replaces.village_code == village:
            conn.execute(update(Device).where(d.id == replaces.id, d.revoked_at.is_(None)).values(revoked_at=now))
        publish_for_village(conn, village)  # the town's reference data (who confirms) in its feed
    town = town_of_village(village)
    return {"device_id": device_id, "secret": secret, "village_code": village,
            "town_name": town.name if town else "", "server_time": now, "device_no": number}


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    ref: DeviceRef
    name: str
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    bundle_key: bytes
    app_version: str | None = None
    protocol_version: int | None = None


def _record(row: Any) -> DeviceRecord:
    return DeviceRecord(DeviceRef(row.id, row.no, row.village_code), row.name, row.enrolled_at, row.revoked_at,
                        row.last_seen_at, bytes.fromhex(row.bundle_key), row.app_version, row.protocol_version)


def get_device(db: Database, device_id: str) -> DeviceRecord | None:
    t = Device.__table__.c
    with db.read() as conn:
        row = conn.execute(select(Device.__table__).where(t.id == device_id.lower())).first()
    if row is None:
        return None
    return _record(row)


def authenticate(db: Database, token: str | None) -> DeviceRecord:
    """The device a bearer token ``<device_id>.<secret>`` belongs to; 401 otherwise."""
    parts = split_device_token(token or "")
    if parts is None or len(parts[0]) > 64:
        raise ServiceError(ErrorCode.UNAUTHORIZED, 401, headers={"WWW-Authenticate": "Bearer"})
    device_id, secret = parts
    t = Device.__table__.c
    with db.read() as conn:
        row = conn.execute(select(Device.__table__).where(t.id == device_id.lower())).first()
    if row is None or not hmac.compare_digest(row.secret_hash, sha256_hex(secret)):
        raise ServiceError(ErrorCode.UNAUTHORIZED, 401, headers={"WWW-Authenticate": "Bearer"})
    if row.revoked_at is not None:
        raise ServiceError(ErrorCode.DEVICE_REVOKED, 401, headers={"WWW-Authenticate": "Bearer"})
    return _record(row)


def holder_of(db: Database, token: str) -> DeviceRef | None:
    """The active device a bearer token belongs to; None if the token is not valid (any more)."""
    try:
        return authenticate(db, token).ref
    except ServiceError:
        return None


def revoke(db: Database, device_id: str) -> bool:
    """Revoke a device; its secret stops working at once. False if no such active device."""
    t = Device.__table__.c
    with db.write() as conn:
        done = conn.execute(update(Device).where(t.id == device_id.lower(), t.revoked_at.is_(None))
                            .values(revoked_at=utcnow()))
    return done.rowcount == 1


def list_devices(db: Database, village_code: str | None = None) -> list[dict[str, Any]]:
    t = Device.__table__.c
    stmt = select(t.id, t.village_code, t.name, t.enrolled_at, t.revoked_at, t.last_seen_at, t.app_version,
                  t.protocol_version).order_by(t.no)
    if village_code:
        stmt = stmt.where(t.village_code == village_code)
    with db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def count_devices(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(Device)).scalar_one())
