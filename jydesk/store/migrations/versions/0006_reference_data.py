"""Reference data from the city server (``reference_data``: who confirms in the town) and the
case columns of the ways back and out (reason of 不予受理/终止/撤回, deadline extension,
objection rounds, 先行救助 paperwork).

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_data",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("key", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("close_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("extension_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("objection_rounds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for name in ("objection_rounds", "extension_reason", "extension_days", "close_reason"):
            batch.drop_column(name)
    op.drop_table("reference_data")
