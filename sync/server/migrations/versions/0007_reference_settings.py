"""Reference data the city sets for devices: ``reference_settings`` (issue 18: which level
confirms, 县级 or 乡镇, per town).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_settings",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("key", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reference_settings")
