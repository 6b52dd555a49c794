"""The date the town/county received a case's file (``cases.received_on``, 已接收材料): set by a
reviewer on the city server and pulled; the county's clock of 特困 and 事实无人抚养儿童 runs
from it.

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("received_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("received_on")
