"""The local store: SQLAlchemy 2 models and the unit of work over the installation's SQLite file.

Open with :func:`open_store`; read with ``store.read()`` (ORM) or ``store.sql()`` (plain
read-only SQL); write ONLY with ``store.write(actor)``, which stores each row, its audit
entry and its outbox entry in one transaction.

Importing this package does not import SQLAlchemy: the desktop app paints its window first
and loads the ORM behind it (docs/architecture.md § Budgets: start ≤ 0.6 s). ``Writer`` is resolved on use.
"""

from __future__ import annotations

from typing import Any

from jydesk.store.actor import SYSTEM_ACTOR, Actor
from jydesk.store.database import SchemaTooNewError, Store, open_store

__all__ = ["SYSTEM_ACTOR", "Actor", "SchemaTooNewError", "Store", "Writer", "open_store"]


def __getattr__(name: str) -> Any:
    if name == "Writer":
        from jydesk.store.unit_of_work import Writer

        return Writer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
