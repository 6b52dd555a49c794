"""After approval (issue 20): the 在保对象 register, reviews and proofs of life, proposed
changes with their decisions, life events (death, moving out), and a household's closing date.

Revision ID: 0011
Revises: 0009 (the lead re-chains at merge)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


#: ``recipients.last_reviewed_on`` (local, derived): the reviews-due list reads one covering index.
LAST_REVIEW = ("UPDATE recipients SET last_reviewed_on = (SELECT max(v.reviewed_on) FROM reviews v "
               "WHERE v.recipient_id = recipients.id AND v.deleted = 0) WHERE id IN ({rows});")


def _common() -> list[sa.Column]:
    return [sa.Column("id", sa.String(length=36), nullable=False),
            sa.Column("village_code", sa.String(length=12), nullable=False),
            sa.Column("server_revision", sa.Integer(), nullable=False),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    op.create_table(
        "recipients",
        sa.Column("benefit", sa.String(length=20), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("start_month", sa.String(length=7), nullable=True),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("taper_end_month", sa.String(length=7), nullable=True),
        sa.Column("stop_month", sa.String(length=7), nullable=True),
        sa.Column("source", sa.String(length=4), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("last_reviewed_on", sa.Date(), nullable=True),
        *_common(),
        _fk("recipients", "household_id", "households"), _fk("recipients", "person_id", "persons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipients")))
    op.create_index("ix_recipients_list", "recipients", ["deleted", "benefit", "household_id", "id", "status"])
    op.create_index("ix_recipients_due", "recipients", ["deleted", "status", "benefit", "start_month",
                                                        "last_reviewed_on", "household_id", "person_id", "id"])
    op.create_index(op.f("ix_recipients_household_id"), "recipients", ["household_id"])
    op.create_index(op.f("ix_recipients_person_id"), "recipients", ["person_id"])
    op.create_index(op.f("ix_recipients_village_code"), "recipients", ["village_code"])
    op.create_table(
        "reviews",
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("form_code", sa.String(length=20), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        *_common(),
        _fk("reviews", "recipient_id", "recipients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")))
    op.create_index("ix_reviews_recipient", "reviews", ["recipient_id", "reviewed_on", "deleted"])
    op.create_index(op.f("ix_reviews_village_code"), "reviews", ["village_code"])
    op.create_table(
        "benefit_changes",
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=4), nullable=True),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("status_before", sa.String(length=4), nullable=True),
        sa.Column("amount_before", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("proposed_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("taper_months", sa.Integer(), nullable=True),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=6), nullable=True),
        sa.Column("decision_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("effective_month", sa.String(length=7), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decision_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=60), nullable=True),
        *_common(),
        _fk("benefit_changes", "recipient_id", "recipients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_changes")))
    for name, event, rows in (("reviews_last_insert", "INSERT", "NEW.recipient_id"),
                              ("reviews_last_update", "UPDATE", "NEW.recipient_id, OLD.recipient_id"),
                              ("reviews_last_delete", "DELETE", "OLD.recipient_id")):
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON reviews BEGIN {LAST_REVIEW.format(rows=rows)} END")
    op.create_index(op.f("ix_benefit_changes_recipient_id"), "benefit_changes", ["recipient_id"])
    op.create_index(op.f("ix_benefit_changes_village_code"), "benefit_changes", ["village_code"])
    op.create_table(
        "life_events",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_common(),
        _fk("life_events", "person_id", "persons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_life_events")))
    op.create_index(op.f("ix_life_events_person_id"), "life_events", ["person_id"])
    op.create_index(op.f("ix_life_events_village_code"), "life_events", ["village_code"])


def downgrade() -> None:
    for name in ("reviews_last_insert", "reviews_last_update", "reviews_last_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("life_events", "benefit_changes", "reviews", "recipients"):
        op.drop_table(table)
    with op.batch_alter_table("households") as batch:
        batch.drop_column("closed_on")
