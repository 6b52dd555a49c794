"""SQLAlchemy 2 typed models of the local database.

Syncable records (``SyncRecord`` subclasses) carry a device-made UUIDv7 key, their village,
the server revision last seen, and a soft-delete flag; their field names follow
``jydesk.domain.entities.SPECS``. Everything else is local to the installation.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jydesk.domain.entities import Entity
from jydesk.domain.ids import new_id

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    from datetime import UTC

    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class SyncRecord(Base):
    """Columns every syncable record has."""

    __abstract__ = True
    __entity__: ClassVar[Entity]

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    village_code: Mapped[str] = mapped_column(String(12), index=True)
    server_revision: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Installation(Base):
    """The one village this installation belongs to (a single row, id 1)."""

    __tablename__ = "installation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    village_code: Mapped[str] = mapped_column(String(12))
    village_name: Mapped[str] = mapped_column(String(60))
    town_code: Mapped[str] = mapped_column(String(9))
    area: Mapped[str] = mapped_column(String(16), default="jianyang")
    lock_minutes: Mapped[int] = mapped_column(Integer, default=15)
    device_no: Mapped[int | None] = mapped_column(Integer)  # 本机编号 in the village, from enrolment
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    """A clerk account of this installation (password hashed with argon2)."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="clerk")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Household(SyncRecord):
    __tablename__ = "households"
    __entity__ = Entity.HOUSEHOLD
    group_no: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(200))
    residence: Mapped[str] = mapped_column(String(4), default="农村")
    phone: Mapped[str | None] = mapped_column(String(20))
    head_person_id: Mapped[str | None] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(Text)


class Person(SyncRecord):
    __tablename__ = "persons"
    __entity__ = Entity.PERSON
    __table_args__ = (Index("ix_persons_id_number", "id_number"),)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    id_number: Mapped[str] = mapped_column(String(18))
    relation: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(20))
    disability_type: Mapped[str | None] = mapped_column(String(10))
    disability_grade: Mapped[int | None] = mapped_column(Integer)
    disability_cert_no: Mapped[str | None] = mapped_column(String(30))
    health: Mapped[str | None] = mapped_column(String(20))
    employment: Mapped[str | None] = mapped_column(String(20))
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    care_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    visit_tier_override: Mapped[str | None] = mapped_column(String(10))
    visit_tier_override_reason: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # Derived from id_number on every write (not synced): for lists, sorting and plans.
    birth_date: Mapped[date | None] = mapped_column(Date, index=True)
    sex: Mapped[str | None] = mapped_column(String(2))


class Case(SyncRecord):
    """A social-assistance application (救助申请) of one form type."""

    __tablename__ = "cases"
    __entity__ = Entity.CASE
    form_code: Mapped[str] = mapped_column(String(20), index=True)
    form_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # the definition it is filled with
    register_no: Mapped[str | None] = mapped_column(String(40), index=True)  # 登记编号, from 受理
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"), index=True)
    applicant_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="草稿", index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    applied_on: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    publicity_start: Mapped[date | None] = mapped_column(Date)
    publicity_end: Mapped[date | None] = mapped_column(Date)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)  # 已接收材料, recorded by a reviewer (server-owned)
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    decision_start_month: Mapped[str | None] = mapped_column(String(7))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decision_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(60))
    close_reason: Mapped[str | None] = mapped_column(Text)  # 不予受理 / 终止 / 撤回: the written reason
    extension_days: Mapped[int | None] = mapped_column(Integer)  # working days the limit was extended by
    extension_reason: Mapped[str | None] = mapped_column(Text)
    objection_rounds: Mapped[int | None] = mapped_column(Integer)  # valid 公示 objections sent back to 调查


class CaseEvent(SyncRecord):
    """One workflow transition of a case: who moved it from which status to which, and when."""

    __tablename__ = "case_events"
    __entity__ = Entity.CASE_EVENT
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)


class Visit(SyncRecord):
    __tablename__ = "visits"
    __entity__ = Entity.VISIT
    __table_args__ = (Index("ix_visits_person_date", "person_id", "visited_on"),)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    method: Mapped[str] = mapped_column(String(6), default="入户")
    visitors: Mapped[str | None] = mapped_column(String(100))
    follow_up_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    next_visit_on: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FollowUp(SyncRecord):
    __tablename__ = "follow_ups"
    __entity__ = Entity.FOLLOW_UP
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(6), default="未办结")
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_note: Mapped[str | None] = mapped_column(Text)


class Attachment(SyncRecord):
    """A photo or scan linked to a case or visit; the bytes live in the data folder by sha256."""

    __tablename__ = "attachments"
    __entity__ = Entity.ATTACHMENT
    __table_args__ = (Index("ix_attachments_owner", "owner_entity", "owner_id"),)
    owner_entity: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str] = mapped_column(String(36))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str | None] = mapped_column(String(40))
    filename: Mapped[str | None] = mapped_column(String(200))
    caption: Mapped[str | None] = mapped_column(String(200))
    uploaded: Mapped[bool] = mapped_column(Boolean, default=False)  # local: blob sent to the server


class AuditEntry(Base):
    """Who changed what and when. Rows are never updated or deleted (triggers refuse it); each
    carries a hash chained to the one before (``jydesk.store.audit.chain``)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_actor_at", "actor_id", "at"), Index("ix_audit_log_action_at", "action", "at"),
                      Index("ix_audit_log_actor_action_at", "actor_id", "action", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[str] = mapped_column(String(36))
    actor_name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))  # create/update/delete/reveal/print/login …
    entity: Mapped[str | None] = mapped_column(String(20))
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str | None] = mapped_column(String(64))  # SHA-256 chained to the entry before (audit.chain)


class OutboxEntry(Base):
    """One local change waiting to be sent to the city server."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    op: Mapped[str] = mapped_column(String(8))  # upsert / delete
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    base_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(36))
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)  # fixed before sending
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending/rejected
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SyncState(Base):
    """Key/value state of the sync client (cursor, device id, server URL …)."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class BenefitStandardRow(Base):
    """Dated benefit standards (reference data, seeded from the shipped table)."""

    __tablename__ = "benefit_standards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(16))
    effective_from: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    source: Mapped[str] = mapped_column(String(100))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class Holiday(Base):
    """Public holidays (and adjusted working days) for working-day deadlines; clerks may extend."""

    __tablename__ = "holidays"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    working: Mapped[bool] = mapped_column(Boolean, default=False)  # True: a weekend made a workday


class UserSetting(Base):
    """Per-clerk UI settings such as the saved dock layout."""

    __tablename__ = "user_settings"
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Draft(Base):
    """Unsaved editor input kept so a crash or a lock loses nothing the clerk typed."""

    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # e.g. "household:<id or new>"
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class PersonSearchTerm(Base):
    """Search index: one row per (term, rank, person). Ranks: 0 exact, 1 prefix, 2 inside."""

    __tablename__ = "person_search"
    __table_args__ = {"sqlite_with_rowid": False}
    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class HouseholdSearchTerm(Base):
    """Search index over household addresses: one row per (address bigram, household)."""

    __tablename__ = "household_search"
    __table_args__ = {"sqlite_with_rowid": False}
    term: Mapped[str] = mapped_column(String(8), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


SYNC_MODELS: dict[Entity, type[SyncRecord]] = {
    m.__entity__: m for m in (Household, Person, Case, CaseEvent, Visit, FollowUp, Attachment)
}
