"""Clerk accounts: a second clerk, own and administrator password changes, deactivation, roles, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from jydesk.domain.errors import ValidationError
from jydesk.store import accounts
from jydesk.store.accounts import (
    AccountPermissionError,
    add_user,
    authenticate,
    change_password,
    create_user,
    is_admin,
    list_users,
    reset_password,
    set_active,
    set_role,
    user_count,
)
from jydesk.store.models import AuditEntry, User, utcnow

ADMIN_PW = "admin-secret-1"
CLERK_PW = "clerk-secret-2"


@pytest.fixture(autouse=True)
def light_hashing(monkeypatch):
    """Real argon2, with small cost parameters so the tests stay quick."""
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def admin(store):
    return create_user(store, "zhangsan", "张三", ADMIN_PW, role="admin")


@pytest.fixture
def second(store, admin):
    return add_user(store, admin, "lisi", "李四", CLERK_PW)


def fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {e.field for e in exc.value.errors}


def audit_rows(store, user_id):
    with store.read() as s:
        return s.execute(select(AuditEntry).where(AuditEntry.record_id == user_id)
                         .order_by(AuditEntry.id)).scalars().all()


def test_admin_adds_a_second_clerk_who_can_log_in(store, admin, second):
    result = authenticate(store, "lisi", CLERK_PW)
    assert result.ok and result.actor == second
    users = {u.username: u for u in list_users(store)}
    assert set(users) == {"zhangsan", "lisi"}
    assert users["lisi"].role == "clerk" and users["lisi"].role_name == "专干" and users["lisi"].active
    assert users["lisi"].last_login_at is not None and users["zhangsan"].last_login_at is None
    assert users["zhangsan"].is_admin and is_admin(store, admin.id) and not is_admin(store, second.id)
    assert user_count(store) == 2


def test_only_an_admin_adds_accounts_and_input_is_checked_per_field(store, admin, second):
    with pytest.raises(AccountPermissionError):
        add_user(store, second, "wangwu", "王五", "good-pass-1")
    with pytest.raises(ValidationError) as exc:
        add_user(store, admin, "lisi", "另一个李四", "good-pass-1")
    assert fields(exc) == {"username"} and "已存在" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        add_user(store, admin, "wang wu", "", "123", role="boss")
    assert fields(exc) == {"username", "display_name", "password", "role"}
    with pytest.raises(ValidationError) as exc:
        add_user(store, admin, "wangwu", "王五", "WangWu")
    assert "用户名" in exc.value.message
    assert {u.username for u in list_users(store)} == {"zhangsan", "lisi"}


def test_clerk_changes_own_password_with_the_old_one(store, second):
    change_password(store, second, second.id, CLERK_PW, "new-secret-3")
    assert not authenticate(store, "lisi", CLERK_PW).ok
    assert authenticate(store, "lisi", "new-secret-3").ok


def test_wrong_old_password_is_refused_and_counts_as_a_failed_login(store, admin, second):
    with pytest.raises(ValidationError) as exc:
        change_password(store, second, second.id, "not-it", "new-secret-3")
    assert fields(exc) == {"old_password"} and "原密码" in exc.value.message
    with store.read() as s:
        user = s.get(User, second.id)
        assert user.failed_logins == 1 and user.last_failed_at is not None
    assert [a.action for a in audit_rows(store, second.id)][-1] == "password_failed"
    # after two more failures the growing delay applies to password changes as well
    for _ in range(2):
        with pytest.raises(ValidationError):
            change_password(store, second, second.id, "not-it", "new-secret-3")
    with pytest.raises(ValidationError) as exc:
        change_password(store, second, second.id, CLERK_PW, "new-secret-3")
    assert "秒后再试" in exc.value.message
    later = utcnow() + timedelta(seconds=5)
    change_password(store, second, second.id, CLERK_PW, "new-secret-3", now=later)
    assert authenticate(store, "lisi", "new-secret-3").ok


def test_change_password_rules(store, admin, second):
    with pytest.raises(AccountPermissionError):
        change_password(store, admin, second.id, CLERK_PW, "new-secret-3")
    for bad, word in (("12345", "至少"), (ADMIN_PW, "相同"), ("ZhangSan", "用户名"), ("      ", "空格"),
                      ("x" * 129, "超过")):
        with pytest.raises(ValidationError) as exc:
            change_password(store, admin, admin.id, ADMIN_PW, bad)
        assert fields(exc) == {"new_password"} and word in exc.value.message, (bad, exc.value.message)
    assert authenticate(store, "zhangsan", ADMIN_PW).ok


def test_admin_resets_a_forgotten_password_and_clears_the_delay(store, admin, second):
    for _ in range(4):
        authenticate(store, "lisi", "wrong")
    assert authenticate(store, "lisi", CLERK_PW).wait_seconds > 0
    with pytest.raises(AccountPermissionError):
        reset_password(store, second, admin.id, "taken-over-1")
    with pytest.raises(ValidationError) as exc:
        reset_password(store, admin, second.id, "short")
    assert fields(exc) == {"new_password"}
    reset_password(store, admin, second.id, "fresh-secret-4")
    assert authenticate(store, "lisi", "fresh-secret-4").ok
    assert not authenticate(store, "zhangsan", "taken-over-1").ok


def test_deactivated_clerk_cannot_log_in_and_is_kept(store, admin, second):
    set_active(store, admin, second.id, False)
    result = authenticate(store, "lisi", CLERK_PW)
    assert not result.ok and result.message == "用户名或密码错误"
    users = {u.username: u for u in list_users(store)}
    assert "lisi" in users and not users["lisi"].active
    assert [u.username for u in list_users(store)][-1] == "lisi"  # inactive accounts listed last
    with pytest.raises(ValidationError):
        change_password(store, second, second.id, CLERK_PW, "new-secret-3")
    set_active(store, admin, second.id, True)
    assert authenticate(store, "lisi", CLERK_PW).ok


def test_the_last_admin_can_be_neither_deactivated_nor_demoted(store, admin, second):
    with pytest.raises(ValidationError) as exc:
        set_active(store, admin, admin.id, False)
    assert fields(exc) == {"active"}
    with pytest.raises(AccountPermissionError):
        set_active(store, second, admin.id, False)
    with pytest.raises(ValidationError):
        set_role(store, admin, admin.id, "clerk")
    # a second administrator may not remove the first's rights if that leaves none … but here one remains
    set_role(store, admin, second.id, "admin")
    assert is_admin(store, second.id)
    set_role(store, second, admin.id, "clerk")
    assert not is_admin(store, admin.id)
    with pytest.raises(ValidationError) as exc:
        set_role(store, second, second.id, "clerk")
    assert fields(exc) == {"role"}
    with pytest.raises(ValidationError) as exc:
        set_role(store, second, admin.id, "owner")
    assert fields(exc) == {"role"}
    # the only remaining administrator still cannot be switched off
    with pytest.raises(ValidationError):
        set_active(store, second, second.id, False)
    assert [u.username for u in list_users(store) if u.active and u.is_admin] == ["lisi"]


def test_deactivating_an_admin_needs_another_active_admin(store, admin, second):
    other = add_user(store, admin, "wangwu", "王五", "wangwu-pass", role="admin")
    set_active(store, admin, other.id, False)  # the acting admin remains
    assert not is_admin(store, other.id)
    with pytest.raises(AccountPermissionError):
        set_active(store, other, admin.id, False)  # a deactivated admin has no rights left


def test_every_change_is_audited_without_passwords(store, admin, second):
    change_password(store, second, second.id, CLERK_PW, "new-secret-3")
    reset_password(store, admin, second.id, "fresh-secret-4")
    set_role(store, admin, second.id, "admin")
    set_role(store, admin, second.id, "clerk")
    set_active(store, admin, second.id, False)
    set_active(store, admin, second.id, True)
    rows = audit_rows(store, second.id)
    actions = [r.action for r in rows]
    assert actions == ["create_user", "role_changed", "password_changed", "password_reset", "role_changed",
                       "role_changed", "user_deactivated", "user_activated"]
    assert all(r.actor_id == admin.id for r in rows if r.action not in ("password_changed",))
    assert rows[2].actor_id == second.id
    assert rows[4].changes == {"role": ["clerk", "admin"]}
    assert rows[6].changes == {"active": [True, False]}
    with store.read() as s:
        hashes = s.execute(select(User.password_hash)).scalars().all()
        everything = [f"{a.detail} {a.changes}" for a in s.execute(select(AuditEntry)).scalars()]
    secrets = [ADMIN_PW, CLERK_PW, "new-secret-3", "fresh-secret-4", "$argon2", *hashes]
    assert not [text for text in everything if any(secret in text for secret in secrets)]


def test_unchanged_state_writes_no_audit_entry(store, admin, second):
    before = len(audit_rows(store, second.id))
    set_active(store, admin, second.id, True)
    set_role(store, admin, second.id, "clerk")
    assert len(audit_rows(store, second.id)) == before


def test_unknown_account_is_a_field_error(store, admin):
    with pytest.raises(ValidationError) as exc:
        reset_password(store, admin, "no-such-id", "fresh-secret-4")
    assert fields(exc) == {"user"} and "找不到" in exc.value.message
