"""Cheaper ingest storage: the batch answer as zstd-compressed JSON bytes, byte-order
collation for the record table's key columns on PostgreSQL.

- ``batches.answer`` (new, bytea/blob): the stored answer of a batch, zstd-compressed
  orjson. ``batches.results`` (JSONB) becomes nullable: rows written before this revision
  keep their answer there and replay from it.
- PostgreSQL: ``records.id``, ``entity``, ``village_code``, ``id_number`` and
  ``parent_id`` compare byte-wise (``COLLATE "C"``); they hold UUIDs, codes and 身份证号,
  for which the database's language collation only costs time on every index insert.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_KEY_COLUMNS = (("id", 36), ("entity", 20), ("village_code", 12), ("id_number", 18), ("parent_id", 36))


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("answer", sa.LargeBinary(), nullable=True))
        batch.alter_column("results", existing_type=sa.JSON(), nullable=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE records " + ", ".join(
            f'ALTER COLUMN {name} TYPE varchar({size}) COLLATE "C"' for name, size in _KEY_COLUMNS))


def downgrade() -> None:
    import orjson
    import zstandard

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE records " + ", ".join(
            f'ALTER COLUMN {name} TYPE varchar({size}) COLLATE "default"' for name, size in _KEY_COLUMNS))
    batches = sa.table("batches", sa.column("batch_id", sa.String()), sa.column("answer", sa.LargeBinary()),
                       sa.column("results", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")))
    unpack = zstandard.ZstdDecompressor()
    rows = bind.execute(sa.select(batches.c.batch_id, batches.c.answer).where(batches.c.answer.is_not(None))).all()
    for batch_id, answer in rows:
        bind.execute(batches.update().where(batches.c.batch_id == batch_id)
                     .values(results=orjson.loads(unpack.decompress(answer))))
    with op.batch_alter_table("batches") as batch:
        batch.alter_column("results", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("answer")
