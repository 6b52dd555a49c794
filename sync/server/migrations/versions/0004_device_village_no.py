"""Each device has a number among its village's devices (``devices.village_no``, 本机编号),
carried by the register numbers (登记编号) its cases get; never given twice in a village.

Devices enrolled before this revision are numbered per village in enrolment order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("village_no", sa.Integer(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT no, village_code FROM devices ORDER BY village_code, no")).fetchall()
    count: dict[str, int] = {}
    for no, village in rows:
        count[village] = count.get(village, 0) + 1
        conn.execute(sa.text("UPDATE devices SET village_no = :n WHERE no = :no"), {"n": count[village], "no": no})
    op.create_index("ix_devices_village_no", "devices", ["village_code", "village_no"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_devices_village_no", table_name="devices")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("village_no")
