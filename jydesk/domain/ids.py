"""Record keys: UUIDv7 (time-ordered) strings made on the device that creates the record."""

from __future__ import annotations

import uuid6


def new_id() -> str:
    return str(uuid6.uuid7())
