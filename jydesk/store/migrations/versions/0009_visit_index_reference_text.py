"""The due list's indexes (issue 19): live visits by person and date with the planned next date
(partial, covering: the latest visit before a week is one index seek), the visit candidates
among persons and their households (covering, so 100k people are not read row by row), and
reference records of any length (a year's holiday schedule).

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


#: Covering partial indexes of the due list's candidates (``jydesk.store.visits.due``; the
#: query repeats these WHERE clauses word for word, or SQLite will not use them).
PERSON_COLUMNS = ("deleted", "birth_date", "id", "name", "sex", "care_flags", "disability_grade",
                  "visit_tier_override", "visit_tier_override_reason", "phone", "household_id")
PERSON_INDEXES = {
    "ix_persons_care": "deleted = 0 AND (care_flags NOT IN ('[]', 'null') OR disability_grade IS NOT NULL "
                       "OR visit_tier_override IS NOT NULL)",
    "ix_persons_aged": "deleted = 0 AND coalesce(care_flags, '[]') IN ('[]', 'null') AND disability_grade IS NULL "
                       "AND visit_tier_override IS NULL",
}


def upgrade() -> None:
    op.create_index("ix_visits_live", "visits", ["person_id", "visited_on", "next_visit_on"],
                    sqlite_where=sa.text("deleted = 0"))
    for name, where in PERSON_INDEXES.items():
        op.create_index(name, "persons", list(PERSON_COLUMNS), sqlite_where=sa.text(where))
    op.create_index("ix_households_visit", "households", ["id", "address", "group_no", "phone"])
    with op.batch_alter_table("reference_data") as batch:
        batch.alter_column("key", type_=sa.String(40), existing_type=sa.String(20), existing_nullable=False)
        batch.alter_column("value", type_=sa.Text(), existing_type=sa.String(100), existing_nullable=False)
    op.execute("ANALYZE")


def downgrade() -> None:
    with op.batch_alter_table("reference_data") as batch:
        batch.alter_column("value", type_=sa.String(100), existing_type=sa.Text(), existing_nullable=False)
        batch.alter_column("key", type_=sa.String(20), existing_type=sa.String(40), existing_nullable=False)
    op.drop_index("ix_households_visit", "households")
    for name in PERSON_INDEXES:
        op.drop_index(name, "persons")
    op.drop_index("ix_visits_live", "visits")
