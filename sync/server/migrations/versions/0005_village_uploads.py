"""Attachments stay in their village: ``blob_uploads`` records which villages sent a file.

The bytes stay stored once per sha256 (``blobs``); a village's devices see and fetch a file
only once a device of the village has sent its bytes (issue 15, item 6). Files stored
before this revision are granted to the villages whose attachment records link them (the
only evidence of who uploaded them); unfinished uploads start again at 0 for their village.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_uploads",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("village_code", sa.String(12), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    )
    bind = op.get_bind()
    sha = "r.fields->>'sha256'" if bind.dialect.name == "postgresql" else "json_extract(r.fields, '$.sha256')"
    op.execute(
        "INSERT INTO blob_uploads (sha256, village_code, size, mime, received, complete, created_at, completed_at) "
        "SELECT DISTINCT b.sha256, r.village_code, b.size, b.mime, b.size, b.complete, b.created_at, b.completed_at "
        f"FROM blobs b JOIN records r ON r.entity = 'attachment' AND {sha} = b.sha256 WHERE b.complete")


def downgrade() -> None:
    op.drop_table("blob_uploads")
