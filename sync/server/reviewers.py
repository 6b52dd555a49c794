"""Reviewer accounts (town or city staff): argon2 passwords and expiring bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.regions import town_by_code
from sync.protocol.errors import ErrorCode
from sync.protocol.models import ReviewerScope
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Reviewer, ReviewerToken
from sync.server.records import utcnow

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("jydesk-timing-equaliser")
MIN_PASSWORD = 8


@dataclass(frozen=True, slots=True)
class ReviewerRef:
    id: int
    username: str
    display_name: str
    scope: str
    town_code: str | None

    @property
    def origin(self) -> int:
        """The origin number of this reviewer's writes in ``field_revs`` (devices are positive)."""
        return -self.id

    def may_see(self, village_code: str) -> bool:
        return self.scope == ReviewerScope.CITY or (self.town_code is not None and village_code.startswith(self.town_code))

    def info(self) -> dict[str, Any]:
        town = town_by_code(self.town_code) if self.town_code else None
        return {"username": self.username, "display_name": self.display_name, "scope": self.scope,
                "town_code": self.town_code, "town_name": town.name if town else None}


def create_reviewer(db: Database, username: str, display_name: str, password: str, *,
                    town_code: str | None = None) -> ReviewerRef:
    """A town reviewer (``town_code`` given) or a city reviewer. ValidationError if bad input."""
    username = username.strip()
    errors = []
    if not username or len(username) > 64:
        errors.append(FieldError("username", "用户名不能为空且不超过64个字符"))
    if not display_name.strip():
        errors.append(FieldError("display_name", "姓名不能为空"))
    if len(password) < MIN_PASSWORD:
        errors.append(FieldError("password", f"密码至少{MIN_PASSWORD}位"))
    if town_code is not None and town_by_code(town_code) is None:
        errors.append(FieldError("town_code", f"{town_code} 不是简阳市的乡镇(街道)代码"))
    if errors:
        raise ValidationError(errors)
    t = Reviewer.__table__.c
    with db.write() as conn:
        if conn.execute(select(t.id).where(t.username == username)).first():
            raise ValidationError(FieldError("username", f"用户名“{username}”已存在"))
        scope = ReviewerScope.TOWN.value if town_code else ReviewerScope.CITY.value
        rid = conn.execute(insert(Reviewer).values(
            username=username, display_name=display_name.strip(), password_hash=_hasher.hash(password),
            scope=scope, town_code=town_code, created_at=utcnow()).returning(t.id)).scalar_one()
    return ReviewerRef(rid, username, display_name.strip(), scope, town_code)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(db: Database, username: str, password: str, *, hours: float = 12.0) -> dict[str, Any]:
    t = Reviewer.__table__.c
    with db.read() as conn:
        row = conn.execute(select(Reviewer.__table__).where(t.username == username.strip())).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY, password)
        ok = row is not None and row.disabled_at is None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise ServiceError(ErrorCode.LOGIN_FAILED, 401)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(hours=hours)
    with db.write() as conn:
        conn.execute(delete(ReviewerToken).where(ReviewerToken.expires_at < now))
        conn.execute(insert(ReviewerToken).values(token_hash=_token_hash(token), reviewer_id=row.id,
                                                  created_at=now, expires_at=expires))
    ref = ReviewerRef(row.id, row.username, row.display_name, row.scope, row.town_code)
    return {"token": token, "expires_at": expires, "reviewer": ref.info()}


def authenticate(db: Database, token: str | None, now: datetime | None = None) -> ReviewerRef:
    if not token or len(token) > 200:
        raise ServiceError(ErrorCode.UNAUTHORIZED, 401, "请先登录", headers={"WWW-Authenticate": "Bearer"})
    r, k = Reviewer.__table__.c, ReviewerToken.__table__.c
    stmt = (select(r.id, r.username, r.display_name, r.scope, r.town_code, r.disabled_at, k.expires_at)
            .join_from(ReviewerToken, Reviewer, k.reviewer_id == r.id).where(k.token_hash == _token_hash(token)))
    with db.read() as conn:
        row = conn.execute(stmt).first()
    if row is None or row.disabled_at is not None or row.expires_at <= (now or utcnow()):
        raise ServiceError(ErrorCode.UNAUTHORIZED, 401, "登录已过期，请重新登录", headers={"WWW-Authenticate": "Bearer"})
    return ReviewerRef(row.id, row.username, row.display_name, row.scope, row.town_code)
