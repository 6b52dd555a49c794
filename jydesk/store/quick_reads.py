"""Reads the main window needs before the ORM is loaded: the clerk, their settings (layout,
geometry), the lock time and the number of changes waiting to sync — plain SQL through
``store.sql()``, so the window paints without importing SQLAlchemy (docs/architecture.md § Start-up)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jydesk.store.database import Store

ADMIN = "admin"
CLERK = "clerk"
DEFAULT_LOCK_MINUTES = 15


def pending_changes(store: Store) -> int:
    """Local changes waiting to be sent to the city server (outbox entries)."""
    with store.sql() as db:
        return int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])


def get_setting(store: Store, user_id: str, key: str) -> str | None:
    """A clerk's UI setting (None if never set)."""
    with store.sql() as db:
        row = db.execute("SELECT value FROM user_settings WHERE user_id = ? AND key = ?", (user_id, key)).fetchone()
    return row[0] if row else None


def get_bytes_setting(store: Store, user_id: str, key: str) -> bytes | None:
    value = get_setting(store, user_id, key)
    return base64.b64decode(value) if value else None


def lock_minutes(store: Store) -> int:
    """Minutes of inactivity after which the window locks (installation-wide, default 15)."""
    with store.sql() as db:
        row = db.execute("SELECT lock_minutes FROM installation").fetchone()
    return int(row[0] or DEFAULT_LOCK_MINUTES) if row else DEFAULT_LOCK_MINUTES


def user_display(store: Store, user_id: str) -> tuple[str, str] | None:
    """(username, display name) of a clerk account."""
    with store.sql() as db:
        row = db.execute("SELECT username, display_name FROM users WHERE id = ?", (user_id,)).fetchone()
    return (row[0], row[1]) if row else None


def user_by_name(store: Store, username: str) -> tuple[str, str] | None:
    """(user id, display name) of the active account ``username``."""
    with store.sql() as db:
        row = db.execute("SELECT id, display_name FROM users WHERE username = ? AND active = 1",
                         (username.strip(),)).fetchone()
    return (row[0], row[1]) if row else None


def active_usernames(store: Store) -> list[tuple[str, str]]:
    """(username, display name) of every active clerk, for the login dialog (last logged in first)."""
    with store.sql() as db:
        rows = db.execute("SELECT username, display_name FROM users WHERE active = 1 "
                          "ORDER BY last_login_at IS NULL, last_login_at DESC, username").fetchall()
    return [(r[0], r[1]) for r in rows]


def user_count(store: Store) -> int:
    """Active clerk accounts (0 on first run)."""
    with store.sql() as db:
        return int(db.execute("SELECT count(*) FROM users WHERE active = 1").fetchone()[0])


def is_admin(store: Store, user_id: str) -> bool:
    """True for an active administrator account."""
    with store.sql() as db:
        row = db.execute("SELECT 1 FROM users WHERE id = ? AND active = 1 AND role = ?", (user_id, ADMIN)).fetchone()
    return row is not None
