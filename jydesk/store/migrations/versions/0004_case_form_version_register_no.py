"""Cases record the form-definition version they were filled with and their register number
(登记编号); the installation keeps its per-village device number (本机编号).

Cases made before this revision were filled with version 1 of their form.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("form_version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("register_no", sa.String(length=40), nullable=True))
        batch.create_index("ix_cases_register_no", ["register_no"])
    with op.batch_alter_table("installation") as batch:
        batch.add_column(sa.Column("device_no", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("installation") as batch:
        batch.drop_column("device_no")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_register_no")
        batch.drop_column("register_no")
        batch.drop_column("form_version")
