"""Wire values (JSON) <-> column values of the local models, field by field.

A change's ``fields`` is flat: plain columns by name, form values as ``data.<key>``. Values
on the wire are JSON (dates as ISO strings, money as decimal strings); the local columns
hold ``date``, ``Decimal`` … This module converts both ways using the column types.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric

from jydesk.domain.entities import DATA_PREFIX, SPECS
from jydesk.store.models import SyncRecord
from jydesk.store.serialize import to_json


class WireValueError(ValueError):
    """A wire value that does not fit the local column."""


def from_wire(model: type[SyncRecord], name: str, value: Any) -> Any:
    """The column value for the wire ``value`` of field ``name``."""
    if value is None:
        return None
    column = model.__table__.c.get(name)
    if column is None:
        return value
    kind = column.type
    try:
        if isinstance(kind, DateTime):
            parsed = datetime.fromisoformat(str(value))
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            return parsed
        if isinstance(kind, Date):
            return date.fromisoformat(str(value)[:10])
        if isinstance(kind, Numeric):
            return Decimal(str(value))
        if isinstance(kind, Boolean):
            return bool(value)
        if isinstance(kind, Integer):
            return int(value)
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise WireValueError(f"{name}={value!r}") from exc
    return value


def wire_value(obj: SyncRecord, name: str) -> Any:
    """The current value of field ``name`` of ``obj`` as it travels (JSON)."""
    if name.startswith(DATA_PREFIX):
        data = getattr(obj, "data", None) or {}
        return to_json(data.get(name[len(DATA_PREFIX):]))
    return to_json(getattr(obj, name, None))


def set_field(obj: SyncRecord, name: str, value: Any) -> bool:
    """Set field ``name`` of ``obj`` from a wire value; True if it changed."""
    if wire_value(obj, name) == value:
        return False
    if name.startswith(DATA_PREFIX):
        key = name[len(DATA_PREFIX):]
        data = dict(getattr(obj, "data", None) or {})
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
        obj.data = data  # type: ignore[attr-defined]
        return True
    setattr(obj, name, from_wire(type(obj), name, value))
    return True


def field_names(obj: SyncRecord) -> list[str]:
    """Every synced field of ``obj`` (form values as ``data.<key>``)."""
    spec = SPECS[obj.__entity__]
    names = [n for n in spec.fields if n in type(obj).__table__.c]
    if spec.has_data:
        names += [DATA_PREFIX + k for k in sorted(getattr(obj, "data", None) or {})]
    return names


def nullable(model: type[SyncRecord], name: str) -> bool:
    column = model.__table__.c.get(name)
    return column is None or bool(column.nullable)
