"""Who writes to the store (kept apart from the unit of work so start-up code can name a clerk
without importing SQLAlchemy)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is writing: a clerk (user id and display name) or the system."""

    id: str
    name: str


SYSTEM_ACTOR = Actor("system", "系统")
SERVER_ACTOR = Actor("server", "市级平台同步")
