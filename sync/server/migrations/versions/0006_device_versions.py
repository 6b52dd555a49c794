"""Each device's program version and sync protocol, as its requests last said
(``X-Jydesk-Version`` / ``X-Jydesk-Protocol``), beside ``last_seen_at`` (its last contact):
``list-devices`` shows who still runs an old version (issue 16, item 3).

Devices of older programs sent neither header; their columns stay empty ("未知").

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("app_version", sa.String(40), nullable=True))
        batch.add_column(sa.Column("protocol_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("protocol_version")
        batch.drop_column("app_version")
