"""Clerk accounts: argon2 password hashes, login checks with a growing delay after failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.store.database import Store
from jydesk.store.models import User, utcnow
from jydesk.store.unit_of_work import SYSTEM_ACTOR, Actor

_HASHER = PasswordHasher()
MIN_PASSWORD = 6


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def failure_delay(failed_logins: int) -> float:
    """Seconds to wait before the next attempt: 0 for the first two failures, then doubling, max 30."""
    if failed_logins < 3:
        return 0.0
    return float(min(30, 2 ** (failed_logins - 2)))


@dataclass(frozen=True, slots=True)
class LoginResult:
    ok: bool
    actor: Actor | None = None
    message: str = ""
    wait_seconds: float = 0.0


def user_count(store: Store) -> int:
    with store.read() as s:
        return s.execute(select(func.count()).select_from(User).where(User.active.is_(True))).scalar_one()


def create_user(store: Store, username: str, display_name: str, password: str, *,
                role: str = "clerk", actor: Actor = SYSTEM_ACTOR) -> Actor:
    """Create a clerk account; Chinese ValidationError for a taken name or a short password."""
    username = username.strip()
    errors = []
    if not username:
        errors.append(FieldError("username", "用户名不能为空", "required"))
    if not display_name.strip():
        errors.append(FieldError("display_name", "姓名不能为空", "required"))
    if len(password) < MIN_PASSWORD:
        errors.append(FieldError("password", f"密码至少需要{MIN_PASSWORD}位", "length"))
    if errors:
        raise ValidationError(errors)
    with store.write(actor) as w:
        taken = w.session.execute(select(User.id).where(User.username == username)).scalar()
        if taken:
            raise ValidationError(FieldError("username", f"用户名“{username}”已存在", "duplicate"))
        user = User(username=username, display_name=display_name.strip(), password_hash=hash_password(password),
                    role=role)
        w.add(user)
        w.session.flush()
        return Actor(user.id, user.display_name)


def authenticate(store: Store, username: str, password: str, *, now: datetime | None = None) -> LoginResult:
    """Check a login; failures are counted and make the next attempt wait longer."""
    now = now or utcnow()
    with store.write(SYSTEM_ACTOR) as w:
        user = w.session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
        if user is None or not user.active:
            return LoginResult(False, message="用户名或密码错误")
        wait = failure_delay(user.failed_logins)
        if user.last_failed_at and now < user.last_failed_at + timedelta(seconds=wait):
            remaining = (user.last_failed_at + timedelta(seconds=wait) - now).total_seconds()
            return LoginResult(False, message=f"登录失败次数过多，请{remaining:.0f}秒后再试", wait_seconds=remaining)
        try:
            _HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            user.failed_logins += 1
            user.last_failed_at = now
            w.audit("login_failed", entity="user", record_id=user.id, detail=user.username)
            return LoginResult(False, message="用户名或密码错误", wait_seconds=failure_delay(user.failed_logins))
        if _HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.last_failed_at = None
        user.last_login_at = now
        actor = Actor(user.id, user.display_name)
        w.audit("login", entity="user", record_id=user.id, detail=user.username)
        return LoginResult(True, actor=actor)
