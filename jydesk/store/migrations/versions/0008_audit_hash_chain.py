"""The audit log's hash chain and the time-ordered indexes of the 操作日志 filters (clerk, kind, both): ``audit_log.hash`` (each
entry's SHA-256 chained to the one before, ``jydesk.store.audit.chain``), existing entries chained
in id order; a new entry without a hash is refused.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_NO_UPDATE = ("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
              "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END")

_NO_DELETE = ("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
              "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END")


def upgrade() -> None:
    from jydesk.store.audit.chain import COLUMNS, chain_links

    op.add_column("audit_log", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor_id", "at"])
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"])
    op.create_index("ix_audit_log_actor_action_at", "audit_log", ["actor_id", "action", "at"])
    conn = op.get_bind()
    links = chain_links(conn.exec_driver_sql(f"SELECT {COLUMNS} FROM audit_log ORDER BY id").fetchall())
    if links:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.exec_driver_sql("UPDATE audit_log SET hash = ? WHERE id = ?", links)
        op.execute(_NO_UPDATE)
    op.execute("CREATE TRIGGER audit_log_hash_required BEFORE INSERT ON audit_log WHEN NEW.hash IS NULL "
               "BEGIN SELECT RAISE(ABORT, 'audit log entry without its hash'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_hash_required")
    op.drop_index("ix_audit_log_actor_action_at", table_name="audit_log")
    op.drop_index("ix_audit_log_action_at", table_name="audit_log")
    op.drop_index("ix_audit_log_actor_at", table_name="audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table("audit_log") as batch:  # recreates the table, so the guards come after
        batch.drop_column("hash")
    op.execute(_NO_UPDATE)
    op.execute(_NO_DELETE)
