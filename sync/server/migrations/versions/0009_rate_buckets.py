"""Rate-limit buckets shared by every server process and host on one PostgreSQL (issue 22):
a device or an address alternating between hosts behind a load balancer gets the one limit,
not one per host. UNLOGGED on PostgreSQL: a bucket lost in a crash is a full bucket, no harm,
and the table costs no WAL. The SQLite (embedded, one host) server keeps buckets in memory and
does not use it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("scope", sa.String(16), primary_key=True),
        sa.Column("client", sa.String(200), primary_key=True),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE rate_buckets SET UNLOGGED")
        op.create_index("ix_rate_buckets_at", "rate_buckets", ["at"])


def downgrade() -> None:
    op.drop_table("rate_buckets")
