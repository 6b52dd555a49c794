"""What applying any server answer to the local store needs: records, guarded updates, revisions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from jydesk.domain.entities import DATA_PREFIX, SPECS, Entity
from jydesk.domain.errors import ValidationError
from jydesk.store.models import SYNC_MODELS, SyncRecord
from sync.client.outbox import Key
from sync.client.values import WireValueError, set_field


@dataclass
class Outcome:
    """Counts of one applied answer and the problems met (Chinese)."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def record_label(entity: str, rid: str) -> str:
    try:
        return f"{SPECS[Entity(entity)].label}（{rid[-8:]}）"
    except ValueError:
        return f"{entity}（{rid[-8:]}）"


def settable(obj: SyncRecord, name: str) -> bool:
    spec = SPECS[obj.__entity__]
    if name.startswith(DATA_PREFIX):
        return spec.has_data
    return name in spec.fields and name in type(obj).__table__.c


def load_records(session: Session, keys: list[Key]) -> dict[Key, SyncRecord]:
    found: dict[Key, SyncRecord] = {}
    by_entity: dict[str, list[str]] = {}
    for entity, rid in keys:
        by_entity.setdefault(entity, []).append(rid)
    for entity, ids in by_entity.items():
        try:
            model = SYNC_MODELS[Entity(entity)]
        except ValueError:
            continue
        for i in range(0, len(ids), 500):
            for obj in session.execute(select(model).where(model.id.in_(ids[i:i + 500]))).scalars():
                found[(entity, obj.id)] = obj
    return found


def guarded(session: Session, obj: SyncRecord, updates: dict[str, Any]) -> str | None:
    """Set ``updates`` on ``obj`` inside a savepoint; the Chinese reason if the local rules refuse."""
    if not updates:
        return None
    try:
        with session.begin_nested():
            for name, value in updates.items():
                set_field(obj, name, value)
            session.flush()
    except ValidationError as exc:
        return exc.message
    except WireValueError as exc:
        return f"服务器的值无法保存：{exc}"
    return None


def set_revisions(session: Session, revisions: dict[str, list[dict[str, Any]]]) -> None:
    """Move ``server_revision`` forward for many records at once (never backwards)."""
    for entity, params in revisions.items():
        table = SYNC_MODELS[Entity(entity)].__table__
        stmt = (update(table).where(table.c.id == bindparam("rid"), table.c.server_revision < bindparam("rev"))
                .values(server_revision=bindparam("rev")))
        session.connection().execute(stmt, params)

