"""The due list's index (issue 19): live visits by person and date with the planned next date
(partial, covering: the latest visit before a week is one index seek), and reference records of
any length (a year's holiday schedule).

Revision ID: 0009
Revises: 0007 (the lead re-chains after 0008)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_visits_live", "visits", ["person_id", "visited_on", "next_visit_on"],
                    sqlite_where=sa.text("deleted = 0"))
    with op.batch_alter_table("reference_data") as batch:
        batch.alter_column("key", type_=sa.String(40), existing_type=sa.String(20), existing_nullable=False)
        batch.alter_column("value", type_=sa.Text(), existing_type=sa.String(100), existing_nullable=False)
    op.execute("ANALYZE")


def downgrade() -> None:
    with op.batch_alter_table("reference_data") as batch:
        batch.alter_column("value", type_=sa.String(100), existing_type=sa.Text(), existing_nullable=False)
        batch.alter_column("key", type_=sa.String(20), existing_type=sa.String(40), existing_nullable=False)
    op.drop_index("ix_visits_live", "visits")
