"""Reference data of every kind (issue 19: holidays by year, 低保/特困 standards, the visit
policy): longer keys and values of any length.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reference_settings") as batch:
        batch.alter_column("key", type_=sa.String(40), existing_type=sa.String(20), existing_nullable=False)
        batch.alter_column("value", type_=sa.Text(), existing_type=sa.String(100), existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM reference_settings WHERE kind <> 'approval'")
    with op.batch_alter_table("reference_settings") as batch:
        batch.alter_column("value", type_=sa.String(100), existing_type=sa.Text(), existing_nullable=False)
        batch.alter_column("key", type_=sa.String(20), existing_type=sa.String(40), existing_nullable=False)
