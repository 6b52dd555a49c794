"""Local tables of the sync client: field conflicts, pulled records waiting to be applied, the sync log.

- :class:`SyncConflict` — one field changed both here and on the server; both values kept until
  the clerk decides (the decision becomes a new local change).
- :class:`DeferredRecord` — a pulled record that cannot be applied yet (its parent has not
  arrived, or it clashes with a local record); kept whole and retried on every sync, so
  nothing pulled is lost while the cursor moves on.
- :class:`SyncLogEntry` — what the clerk reads in the 同步 panel (batches sent, errors), in Chinese.
- :class:`ReferenceRecord` — reference data set by the city (who confirms in the town).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jydesk.store.models import Base, utcnow


class SyncConflict(Base):
    """A field changed on this device and on the server since the revision this device had seen."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (Index("ix_sync_conflicts_record", "entity", "record_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(120))
    local_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    server_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    server_revision: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    resolution: Mapped[str | None] = mapped_column(String(10))  # server / local / edited / superseded
    resolved_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(60))


class DeferredRecord(Base):
    """A pulled record not applied yet; ``reason`` says why in Chinese."""

    __tablename__ = "sync_deferred"
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    deleted: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SyncLogEntry(Base):
    """One line of the sync log (level: info / warning / error)."""

    __tablename__ = "sync_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    level: Mapped[str] = mapped_column(String(8), default="info")
    message: Mapped[str] = mapped_column(Text)


class ReferenceRecord(Base):
    """Reference data the city server sends (first kind ``approval``: which level confirms in
    the town, ``jydesk.domain.approval``); the newest version of each (kind, key) is kept."""

    __tablename__ = "reference_data"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # holidays: a year's schedule as JSON
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
