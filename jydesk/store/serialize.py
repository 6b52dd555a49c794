"""Column values <-> JSON-friendly values for audit entries and outbox changes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any


def to_json(value: Any) -> Any:
    """Decimal -> "12.50", date -> "2026-01-31", datetime -> ISO; containers recursively."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    return value
