"""Clerk accounts: argon2 password hashes, login checks with a growing delay after failures.

Each active account also holds a key slot (``keyslots.json``, see ``jydesk.store.keyslots``):
adding an account seals the data key the logged-in store holds for it, a password change or
reset re-wraps it, deactivation removes it. Slots are written after the database change commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.ids import new_id
from jydesk.store.database import Store
from jydesk.store.models import User, utcnow
from jydesk.store.quick_reads import ADMIN, CLERK
from jydesk.store.quick_reads import is_admin as is_admin  # re-exported
from jydesk.store.quick_reads import user_count as user_count  # re-exported
from jydesk.store.unit_of_work import SYSTEM_ACTOR, Actor, Writer

_HASHER = PasswordHasher()
MIN_PASSWORD = 6


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _seal_slot(store: Store, username: str, password: str) -> None:
    from jydesk.store.keyslots import KeySlots

    slots = KeySlots.for_data_dir(store.data_dir)
    slots.put(username, password, store.key)
    slots.save()


def _drop_slot(store: Store, username: str) -> None:
    from jydesk.store.keyslots import KeySlots

    slots = KeySlots.for_data_dir(store.data_dir)
    if slots.remove(username):
        slots.save()


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
        added = _insert_user(w, username, display_name.strip(), password, role)
    _seal_slot(store, username, password)
    return added


def _insert_user(w: Writer, username: str, display_name: str, password: str, role: str) -> Actor:
    taken = w.session.execute(select(User.id).where(User.username == username)).scalar()
    if taken:
        raise ValidationError(FieldError("username", f"用户名“{username}”已存在", "duplicate"))
    user = User(id=new_id(), username=username, display_name=display_name, password_hash=hash_password(password),
                role=role)  # id set now so the audit entry written at flush names it
    w.add(user)
    w.session.flush()  # the unit of work audits "create_user"
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
        result = _logged_in(w, user, now)
    from jydesk.store.keyslots import KeySlots

    if not KeySlots.for_data_dir(store.data_dir).has(username.strip()):  # e.g. made before slots existed
        _seal_slot(store, username.strip(), password)
    return result


def _logged_in(w: Writer, user: User, now: datetime) -> LoginResult:
    user.failed_logins = 0
    user.last_failed_at = None
    user.last_login_at = now
    w.audit("login", entity="user", record_id=user.id, detail=user.username)
    return LoginResult(True, actor=Actor(user.id, user.display_name))


def record_login(store: Store, username: str, *, now: datetime | None = None) -> LoginResult:
    """The login of a clerk whose password already opened their key slot (the same argon2
    computation checked it, so it is not checked twice): refused for an unknown or inactive
    account, else recorded like :func:`authenticate`."""
    with store.write(SYSTEM_ACTOR) as w:
        user = w.session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
        if user is None or not user.active:
            return LoginResult(False, message="用户名或密码错误")
        return _logged_in(w, user, now or utcnow())


# ---- account management (administrators) and the clerk's own password ----

ROLE_NAMES: dict[str, str] = {ADMIN: "管理员", CLERK: "专干"}
MAX_PASSWORD = 128
MAX_NAME = 40


class AccountPermissionError(ValidationError):
    """The acting clerk may not do this (not an administrator, or not their own account)."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    """One account as the account list shows it (never the password hash)."""

    id: str
    username: str
    display_name: str
    role: str
    active: bool
    last_login_at: datetime | None
    created_at: datetime | None
    failed_logins: int

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.display_name, user.role, bool(user.active),
                    user.last_login_at, user.created_at, user.failed_logins or 0)


def list_users(store: Store) -> list[UserInfo]:
    """Every account, active ones first, then by username (deactivated accounts stay listed)."""
    with store.read() as s:
        users = s.execute(select(User).order_by(User.active.desc(), User.username)).scalars().all()
        return [_info(u) for u in users]


def get_user(store: Store, user_id: str) -> UserInfo | None:
    with store.read() as s:
        user = s.get(User, user_id)
        return _info(user) if user is not None else None


def active_admin_count(store: Store) -> int:
    with store.read() as s:
        return _active_admins(s)


def _active_admins(session, exclude: str | None = None) -> int:  # type: ignore[no-untyped-def]
    query = select(func.count()).select_from(User).where(User.active.is_(True), User.role == ADMIN)
    if exclude is not None:
        query = query.where(User.id != exclude)
    return int(session.execute(query).scalar_one())


def password_errors(password: str, *, field: str = "password", username: str = "",
                    old_password: str | None = None) -> list[FieldError]:
    """Rules for a new password: 6–128 characters, not the username, not the old one."""
    if len(password) < MIN_PASSWORD:
        return [FieldError(field, f"密码至少需要{MIN_PASSWORD}位", "length")]
    if len(password) > MAX_PASSWORD:
        return [FieldError(field, f"密码不能超过{MAX_PASSWORD}位", "length")]
    if not password.strip():
        return [FieldError(field, "密码不能全是空格", "invalid")]
    if username and password.strip().lower() == username.strip().lower():
        return [FieldError(field, "密码不能与用户名相同", "weak")]
    if old_password is not None and password == old_password:
        return [FieldError(field, "新密码不能与原密码相同", "same")]
    return []


def _username_errors(username: str) -> list[FieldError]:
    if not username:
        return [FieldError("username", "用户名不能为空", "required")]
    if len(username) > MAX_NAME:
        return [FieldError("username", f"用户名不能超过{MAX_NAME}个字符", "length")]
    if any(ch.isspace() for ch in username):
        return [FieldError("username", "用户名不能包含空格", "invalid")]
    return []


def _require_admin(session, actor: Actor, what: str) -> User:  # type: ignore[no-untyped-def]
    user = session.get(User, actor.id)
    if user is None or not user.active or user.role != ADMIN:
        raise AccountPermissionError(FieldError("role", f"只有管理员可以{what}", "forbidden"))
    return user


def _target(session, user_id: str) -> User:  # type: ignore[no-untyped-def]
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError(FieldError("user", "找不到该专干账号", "not_found"))
    return user


def _check_role(role: str) -> None:
    if role not in ROLE_NAMES:
        raise ValidationError(FieldError("role", "角色只能是“管理员”或“专干”", "choice"))


def add_user(store: Store, admin_actor: Actor, username: str, display_name: str, password: str, *,
             role: str = CLERK) -> Actor:
    """An administrator adds another clerk (or administrator) account."""
    with store.read() as s:
        _require_admin(s, admin_actor, "新增专干账号")
    return provision_user(store, admin_actor, username, display_name, password, role=role)


def provision_user(store: Store, actor: Actor, username: str, display_name: str, password: str, *,
                   role: str = CLERK) -> Actor:
    """Add an account with every input rule checked but no permission check: for the machine's
    administrator at the command line (``jydesk add-clerk``); the GUI goes through :func:`add_user`."""
    username, display_name = username.strip(), display_name.strip()
    errors = _username_errors(username)
    if not display_name:
        errors.append(FieldError("display_name", "姓名不能为空", "required"))
    elif len(display_name) > MAX_NAME:
        errors.append(FieldError("display_name", f"姓名不能超过{MAX_NAME}个字符", "length"))
    errors += password_errors(password, username=username)
    if role not in ROLE_NAMES:
        errors.append(FieldError("role", "角色只能是“管理员”或“专干”", "choice"))
    if errors:
        raise ValidationError(errors)
    with store.write(actor) as w:
        added = _insert_user(w, username, display_name, password, role)
        w.audit("role_changed", entity="user", record_id=added.id, detail=username, changes={"role": [None, role]})
    _seal_slot(store, username, password)
    return added


def change_password(store: Store, actor: Actor, user_id: str, old_password: str, new_password: str, *,
                    now: datetime | None = None) -> None:
    """The logged-in clerk changes their own password; the old one must be given.

    A wrong old password counts as a failed login (same growing delay), so an unattended,
    unlocked window cannot be used to guess it."""
    if actor.id != user_id:
        raise AccountPermissionError(FieldError("user", "只能修改自己的密码；他人的密码请由管理员重置", "forbidden"))
    now = now or utcnow()
    refused: ValidationError | None = None
    with store.write(actor) as w:
        user = _target(w.session, user_id)
        if not user.active:
            raise ValidationError(FieldError("user", "该账号已停用", "inactive"))
        wait = failure_delay(user.failed_logins)
        if user.last_failed_at and now < user.last_failed_at + timedelta(seconds=wait):
            remaining = (user.last_failed_at + timedelta(seconds=wait) - now).total_seconds()
            raise ValidationError(FieldError("old_password", f"密码错误次数过多，请{remaining:.0f}秒后再试", "wait"))
        try:
            _HASHER.verify(user.password_hash, old_password)
        except (VerificationError, InvalidHashError):
            user.failed_logins += 1
            user.last_failed_at = now
            w.audit("password_failed", entity="user", record_id=user.id, detail=user.username)
            refused = ValidationError(FieldError("old_password", "原密码不正确", "wrong"))
        else:
            errors = password_errors(new_password, field="new_password", username=user.username,
                                     old_password=old_password)
            if errors:
                raise ValidationError(errors)
            user.password_hash = hash_password(new_password)
            user.failed_logins = 0
            user.last_failed_at = None
            w.audit("password_changed", entity="user", record_id=user.id, detail=user.username)
            username = user.username
    if refused is not None:
        raise refused  # after the block, so the failed attempt is recorded
    _seal_slot(store, username, new_password)


def reset_password(store: Store, admin_actor: Actor, user_id: str, new_password: str) -> None:
    """An administrator sets a new password for a clerk who forgot theirs (also clears the login delay)."""
    with store.write(admin_actor) as w:
        _require_admin(w.session, admin_actor, "重置密码")
        user = _target(w.session, user_id)
        errors = password_errors(new_password, field="new_password", username=user.username)
        if errors:
            raise ValidationError(errors)
        user.password_hash = hash_password(new_password)
        user.failed_logins = 0
        user.last_failed_at = None
        w.audit("password_reset", entity="user", record_id=user.id, detail=user.username)
        username = user.username
    _seal_slot(store, username, new_password)


def set_active(store: Store, actor: Actor, user_id: str, active: bool) -> None:
    """An administrator deactivates a departed clerk (or re-activates one). Accounts are never
    deleted: the audit log and records refer to them. The last active administrator and the
    acting administrator's own account cannot be deactivated."""
    with store.write(actor) as w:
        _require_admin(w.session, actor, "停用或启用专干账号")
        user = _target(w.session, user_id)
        if bool(user.active) == active:
            return
        if not active:
            if user.id == actor.id:
                raise ValidationError(FieldError("active", "不能停用当前登录的账号", "self"))
            if user.role == ADMIN and _active_admins(w.session, exclude=user.id) == 0:
                raise ValidationError(FieldError("active", "不能停用最后一位管理员", "last_admin"))
        user.active = active
        if active:
            user.failed_logins = 0
            user.last_failed_at = None
        w.audit("user_activated" if active else "user_deactivated", entity="user", record_id=user.id,
                detail=user.username, changes={"active": [not active, active]})
        username = user.username
    if not active:  # a re-activated clerk gets a slot again at the next password reset or login check
        _drop_slot(store, username)


def set_role(store: Store, actor: Actor, user_id: str, role: str) -> None:
    """An administrator makes an account an administrator or a plain clerk. An administrator
    cannot change their own role, and the last active administrator stays one."""
    _check_role(role)
    with store.write(actor) as w:
        _require_admin(w.session, actor, "修改账号角色")
        user = _target(w.session, user_id)
        if user.role == role:
            return
        if user.id == actor.id:
            raise ValidationError(FieldError("role", "不能修改自己的角色，请由另一位管理员操作", "self"))
        if user.role == ADMIN and user.active and _active_admins(w.session, exclude=user.id) == 0:
            raise ValidationError(FieldError("role", "不能取消最后一位管理员", "last_admin"))
        old = user.role
        user.role = role
        w.audit("role_changed", entity="user", record_id=user.id, detail=user.username,
                changes={"role": [old, role]})
