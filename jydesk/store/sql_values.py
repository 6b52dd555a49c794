"""Values read with plain SQL (``store.sql()``, raw driver SQL) as Python values."""

from __future__ import annotations

from datetime import date


def as_date(value: object) -> date | None:
    """A date column's value (SQLite keeps ``YYYY-MM-DD`` text) as a date; None stays None."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
