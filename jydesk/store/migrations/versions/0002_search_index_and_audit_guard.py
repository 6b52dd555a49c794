"""Search index tables (backfilled), append-only audit log, seeded benefit standards.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_search",
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("term", "rank", "person_id", name=op.f("pk_person_search")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_person_search_person_id"), "person_search", ["person_id"])
    op.create_table(
        "household_search",
        sa.Column("term", sa.String(length=8), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("term", "household_id", name=op.f("pk_household_search")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_household_search_household_id"), "household_search", ["household_id"])
    op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END")
    op.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END")

    from jydesk.domain.standards import shipped_standards
    from jydesk.store import search

    conn = op.get_bind()
    search.rebuild(conn)
    table = sa.table("benefit_standards", sa.column("kind", sa.String), sa.column("area", sa.String),
                     sa.column("effective_from", sa.Date), sa.column("amount", sa.Numeric(10, 2)),
                     sa.column("source", sa.String), sa.column("verified", sa.Boolean))
    existing = {(r[0], r[1], str(r[2])) for r in conn.execute(sa.text(
        "SELECT kind, area, effective_from FROM benefit_standards"))}
    rows = [{"kind": s.kind, "area": s.area, "effective_from": s.effective_from, "amount": s.amount,
             "source": s.source, "verified": s.verified}
            for s in shipped_standards() if (s.kind, s.area, s.effective_from.isoformat()) not in existing]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.drop_index(op.f("ix_household_search_household_id"), table_name="household_search")
    op.drop_table("household_search")
    op.drop_index(op.f("ix_person_search_person_id"), table_name="person_search")
    op.drop_table("person_search")
