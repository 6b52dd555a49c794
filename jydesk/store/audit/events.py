"""Audit entries written outside a record's own save: sessions (lock, clerk switch), backups and
restores, exports, and reading a history with the full 身份证号 (itself a reveal)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from jydesk.store.actor import Actor
from jydesk.store.audit.log import AuditRow, history

if TYPE_CHECKING:
    from jydesk.store.crypto import DataKey
    from jydesk.store.database import Store

#: Who runs a command line that logs no clerk in.
COMMAND_LINE = Actor("cli", "命令行")


def record_event(store: Store, actor: Actor, action: str, detail: str | None = None, *,
                 entity: str | None = None, record_id: str | None = None) -> None:
    """Write one audit-only entry (``lock``, ``switch_user``, ``backup``, ``restore``, ``export`` …)."""
    with store.write(actor) as w:
        w.audit(action, entity=entity, record_id=record_id, detail=detail)


def try_record_event(store: Store, actor: Actor, action: str, detail: str | None = None) -> bool:
    """``record_event`` where the event itself has already happened (a backup written, a window
    locked): a full disk or a locked file must not turn it into a failure. False if not written."""
    try:
        record_event(store, actor, action, detail)
    except Exception as exc:
        logging.getLogger(__name__).warning("操作日志未能记录“%s”：%s", action, exc)
        return False
    return True


def record_in_folder(data_dir: Path, actor: Actor, action: str, detail: str, *, key: DataKey) -> bool:
    """Open the folder's store, write one entry, close it (after a restore or a command-line
    backup, where no store is open). False (logged) if it could not be written."""
    from jydesk.store.database import open_store

    try:
        store = open_store(data_dir, key=key)
    except Exception as exc:  # the restore or backup stands; logged
        logging.getLogger(__name__).warning("操作日志未能记录“%s”：%s", action, exc)
        return False
    try:
        return try_record_event(store, actor, action, detail)
    finally:
        store.close()


def revealed_history(store: Store, actor: Actor, entity: str, record_id: str) -> list[AuditRow]:
    """A record's history to show with full 身份证号: the reveal is audited first (as the
    ``显示`` of a masked number elsewhere), then the history is read."""
    record_event(store, actor, "reveal", "在修改记录中查看完整身份证号", entity=entity, record_id=record_id)
    with store.sql() as db:
        return history(db, entity, record_id)


def read_history(store: Store, entity: str, record_id: str) -> tuple[list[AuditRow], dict[str, str]]:
    """A record's history and the names of the records it mentions (masked display)."""
    from jydesk.store.audit.log import record_names

    with store.sql() as db:
        rows = history(db, entity, record_id)
        return rows, record_names(db, rows)

