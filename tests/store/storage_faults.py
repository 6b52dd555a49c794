"""Real SQLite storage faults on a Store (tests run as root, so chmod would not stop writes).

``with storage_fault(store, "full"):`` — every new connection of the store's engine gets the
fault: ``full`` (PRAGMA max_page_count = the file's size now), ``read_only`` (PRAGMA
query_only), ``locked`` (a second connection holds BEGIN EXCLUSIVE; busy timeout 50 ms).
On leaving, the fault is gone and the store works again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from jydesk.store.database import Store
from tests.keys import db_connect


@contextmanager
def _on_connect(store: Store, statement: str) -> Iterator[None]:
    def apply(conn: Any, _record: Any) -> None:
        conn.execute(statement)

    listener: Callable[[Any, Any], None] = apply
    event.listen(store.engine, "connect", listener)
    store.engine.dispose()
    try:
        yield
    finally:
        event.remove(store.engine, "connect", listener)
        store.engine.dispose()


@contextmanager
def storage_fault(store: Store, kind: str) -> Iterator[None]:
    if kind == "full":
        # VACUUM first: no free pages and packed B-tree pages, so the next write needs a new page
        # (without it a small change can fit in free space and the "full" disk lets it through).
        store.engine.dispose()
        plain = db_connect(store.path, isolation_level=None)
        try:
            plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            plain.execute("VACUUM")
            pages = plain.execute("PRAGMA page_count").fetchone()[0]
        finally:
            plain.close()
        with _on_connect(store, f"PRAGMA max_page_count={pages}"):
            yield
    elif kind == "read_only":
        with _on_connect(store, "PRAGMA query_only=1"):
            yield
    elif kind == "locked":
        other = db_connect(store.path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            with _on_connect(store, "PRAGMA busy_timeout=50"):
                yield
        finally:
            other.rollback()
            other.close()
    else:
        raise ValueError(kind)
