"""One live person per 身份证号 and village, enforced by a unique partial index.

A file that already holds duplicates is upgraded without the index (nothing is deleted); it
opens with a Chinese notice listing them, and the index is created once they are fixed
(``jydesk.store.integrity.ensure_unique_id_index``, run on every open while it is missing).

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import logging

from alembic import op

from jydesk.store.integrity import CREATE_UNIQUE_ID_INDEX, UNIQUE_ID_INDEX

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    duplicates = conn.exec_driver_sql(
        "SELECT 1 FROM persons WHERE deleted = 0 AND id_number <> '' "
        "GROUP BY village_code, id_number HAVING count(*) > 1 LIMIT 1").first()
    if duplicates is None:
        conn.exec_driver_sql(CREATE_UNIQUE_ID_INDEX)
    else:
        logging.getLogger(__name__).warning("已有重复登记的身份证号，暂不建立唯一索引")


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {UNIQUE_ID_INDEX}")
