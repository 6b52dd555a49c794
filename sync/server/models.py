"""Server storage: SQLAlchemy 2 typed models (PostgreSQL in production, SQLite embedded).

Records of every entity share one table: the flat field dict of the wire format
(``fields``), per-field revisions (``field_revs``: field -> [revision, origin], with the
key ``"*"`` standing for every field of ``fields`` without an entry of its own, see
``records.ALL_FIELDS``) to tell a merge from a conflict, and ``seq``, the village's
change-log position of the record's latest write, which pull walks.
``VillageLog.last_seq`` is the per-village counter whose row lock serialises writers of
one village (see ``records.py``). On PostgreSQL the records' key columns compare
byte-wise (``COLLATE "C"``, migration 0002).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

JsonType = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite keeps no zone: naive values are UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


Timestamp = UtcDateTime()


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JsonType, list[Any]: JsonType, Any: JsonType, datetime: Timestamp}


class Device(Base):
    """An enrolled installation. ``no`` is a compact origin number used in ``field_revs``;
    ``village_no`` its number among the village's devices (本机编号, in register numbers),
    never given twice in a village; ``app_version``/``protocol_version`` what it last ran."""

    __tablename__ = "devices"
    __table_args__ = (Index("ix_devices_village_no", "village_code", "village_no", unique=True),)

    no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    village_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    secret_hash: Mapped[str] = mapped_column(String(64))
    bundle_key: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]  # last contact (see sync.server.devices.record_contact)
    village_no: Mapped[int | None] = mapped_column(Integer)
    app_version: Mapped[str | None] = mapped_column(String(40))  # X-Jydesk-Version of its last contact
    protocol_version: Mapped[int | None] = mapped_column(Integer)  # X-Jydesk-Protocol of its last contact


class EnrollmentCode(Base):
    __tablename__ = "enrollment_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    device_id: Mapped[str | None] = mapped_column(String(36))


class Reviewer(Base):
    __tablename__ = "reviewers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(8))  # "city" | "town"
    town_code: Mapped[str | None] = mapped_column(String(9))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class ReviewerToken(Base):
    __tablename__ = "reviewer_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class VillageLog(Base):
    """The per-village change counter; its row lock orders every write of the village."""

    __tablename__ = "village_log"

    village_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        Index("ix_records_village_seq", "village_code", "seq", unique=True),
        # partial indexes: most rows are not cases / persons, and every index costs on ingest
        Index("ix_records_review", "status", "village_code", postgresql_where=text("entity = 'case'"),
              sqlite_where=text("entity = 'case'")),
        # the number first: a batch looks up to 500 of them at once (migration 0003)
        Index("ix_records_id_number", "id_number", "village_code", postgresql_where=text("id_number IS NOT NULL"),
              sqlite_where=text("id_number IS NOT NULL")),
        Index("ix_records_parent", "parent_id", postgresql_where=text("parent_id IS NOT NULL"),
              sqlite_where=text("parent_id IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(12))
    revision: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[dict[str, Any]]
    field_revs: Mapped[dict[str, Any]]
    status: Mapped[str | None] = mapped_column(String(10))  # cases: copy of fields["status"]
    id_number: Mapped[str | None] = mapped_column(String(18))  # persons: copy for the duplicate check
    parent_id: Mapped[str | None] = mapped_column(String(36))  # household of a person/case, person of a visit…
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StoredBatch(Base):
    """An applied batch: its content hash (to refuse a reused id), its stored answer
    (``answer``: the results as zstd-compressed JSON; batches stored before migration 0002
    have ``results`` instead) and the changes as received (zstd-compressed JSON) — the
    server's record of what came in."""

    __tablename__ = "batches"

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    village_code: Mapped[str] = mapped_column(String(12))
    content_hash: Mapped[str] = mapped_column(String(64))
    change_count: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(10), default="http")  # "http" | "bundle"
    results: Mapped[list[Any] | None]
    answer: Mapped[bytes | None] = mapped_column(LargeBinary)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class HeldChange(Base):
    """A change whose parent record has not arrived yet; applied when it does."""

    __tablename__ = "held_changes"
    __table_args__ = (
        Index("ix_held_parent", "parent_id", "released_at"),
        Index("ix_held_record", "record_id", "released_at"),
        Index("ix_held_village", "village_code", "released_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    village_code: Mapped[str] = mapped_column(String(12))
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    parent_entity: Mapped[str | None] = mapped_column(String(20))
    parent_id: Mapped[str | None] = mapped_column(String(36))
    change: Mapped[dict[str, Any]]
    device_id: Mapped[str] = mapped_column(String(36))
    batch_id: Mapped[str] = mapped_column(String(36))
    received_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]


class Conflict(Base):
    """Both values of a field changed on both sides; kept for the clerk and the auditor."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_record", "entity", "record_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    village_code: Mapped[str] = mapped_column(String(12), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(100))
    server_value: Mapped[Any] = mapped_column(JsonType, nullable=True)
    client_value: Mapped[Any] = mapped_column(JsonType, nullable=True)
    server_revision: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[str] = mapped_column(String(36))
    batch_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime]


class Blob(Base):
    """An attachment's bytes, stored once per sha256 under the data folder (``complete``:
    verified and kept; who may see it is ``BlobUpload``)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100))
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class BlobUpload(Base):
    """A village's upload of a file (``blobs`` holds the bytes once for all villages).

    A village's devices learn about and fetch only files with a ``complete`` row of their
    village: one of its devices sent the bytes and they matched the hash. ``received`` counts
    this village's bytes, kept in its own partial file until they are verified."""

    __tablename__ = "blob_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100))
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class ReferenceSetting(Base):
    """Reference data the city sets for devices (first kind: ``approval``, which level
    confirms, per town). Each change raises ``version``; every village of the key's town
    gets a copy as a ``reference`` record in its pull feed (``sync.server.reference``)."""

    __tablename__ = "reference_settings"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)  # approval: the 9-digit town code
    value: Mapped[str] = mapped_column(Text)  # holidays: a year's schedule as JSON
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime]
