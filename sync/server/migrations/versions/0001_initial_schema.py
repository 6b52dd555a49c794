"""Initial schema of the city server.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _big_id() -> sa.Column:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, primary_key=True)


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("no", sa.Integer(), autoincrement=True, primary_key=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("village_code", sa.String(12), nullable=False, index=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("bundle_key", sa.String(64), nullable=False),
        _ts("enrolled_at"), _ts("revoked_at", True), _ts("last_seen_at", True),
    )
    op.create_table(
        "enrollment_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("village_code", sa.String(12), nullable=False),
        _ts("created_at"), _ts("expires_at"), _ts("used_at", True),
        sa.Column("device_id", sa.String(36), nullable=True),
    )
    op.create_table(
        "reviewers",
        sa.Column("id", sa.Integer(), autoincrement=True, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("town_code", sa.String(9), nullable=True),
        _ts("created_at"), _ts("disabled_at", True),
    )
    op.create_table(
        "reviewer_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("reviewers.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        _ts("created_at"), _ts("expires_at"),
    )
    op.create_table(
        "village_log",
        sa.Column("village_code", sa.String(12), primary_key=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("entity", sa.String(20), primary_key=True),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("fields", _json(), nullable=False),
        sa.Column("field_revs", _json(), nullable=False),
        sa.Column("status", sa.String(10), nullable=True),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("parent_id", sa.String(36), nullable=True),
        _ts("created_at"), _ts("updated_at"),
    )
    op.create_index("ix_records_village_seq", "records", ["village_code", "seq"], unique=True)
    for name, columns, where in (
        ("ix_records_review", ["status", "village_code"], "entity = 'case'"),
        ("ix_records_id_number", ["village_code", "id_number"], "id_number IS NOT NULL"),
        ("ix_records_parent", ["parent_id"], "parent_id IS NOT NULL"),
    ):
        op.create_index(name, "records", columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(36), primary_key=True),
        sa.Column("device_id", sa.String(36), nullable=False, index=True),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("change_count", sa.Integer(), nullable=False),
        _ts("received_at"),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("results", _json(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "held_changes",
        _big_id(),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("parent_entity", sa.String(20), nullable=True),
        sa.Column("parent_id", sa.String(36), nullable=True),
        sa.Column("change", _json(), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        _ts("received_at"), _ts("released_at", True),
        sa.Column("result", _json(), nullable=True),
    )
    op.create_index("ix_held_parent", "held_changes", ["parent_id", "released_at"])
    op.create_index("ix_held_record", "held_changes", ["record_id", "released_at"])
    op.create_index("ix_held_village", "held_changes", ["village_code", "released_at"])
    op.create_table(
        "conflicts",
        _big_id(),
        sa.Column("village_code", sa.String(12), nullable=False, index=True),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("server_value", _json(), nullable=True),
        sa.Column("client_value", _json(), nullable=True),
        sa.Column("server_revision", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_conflicts_record", "conflicts", ["entity", "record_id"])
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        _ts("created_at"), _ts("completed_at", True),
    )


def downgrade() -> None:
    for table in ("blobs", "conflicts", "held_changes", "batches", "records", "village_log", "reviewer_tokens",
                  "reviewers", "enrollment_codes", "devices"):
        op.drop_table(table)
