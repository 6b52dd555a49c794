"""Home visits over the local store: plans, the due list, recording visits, follow-ups, coverage.

The rules (ISO weeks, due/overdue/done) are in :mod:`jydesk.domain.visits`; tiers in
:mod:`jydesk.domain.care`. A person's plan uses their CURRENT care flags and override with
their age at the END of the week concerned (someone turning 80 during a week counts as 80+
for that week). Only ``store.write(actor)`` writes: a visit, its follow-up items and its photo
links are saved in one transaction (rows + audit + outbox).

The modules: ``plans``, ``due`` (the due list and roster), ``coverage`` (特殊困难老年人周探访率), ``recording``,
``sheets`` (for printing), ``follow_ups``, ``history``.
"""

from jydesk.store.form_context import VISIT_FORM, visit_values
from jydesk.store.visits.coverage import WeeklyCoverage, coverage, coverage_history, weekly_coverage
from jydesk.store.visits.due import DueItem, due_list, due_roster, village_name
from jydesk.store.visits.follow_ups import (
    FOLLOW_UP_CLOSED,
    FOLLOW_UP_MAX,
    FOLLOW_UP_OPEN,
    FollowUpRow,
    close_follow_up,
    follow_ups,
)
from jydesk.store.visits.history import VisitRow, visits_in_week, visits_of
from jydesk.store.visits.plans import VisitPlan, assess_person, set_plan_override, visit_plan
from jydesk.store.visits.recording import (
    VISIT_COLUMNS,
    VisitEntry,
    new_visit_values,
    record_visit,
    visit_form,
)
from jydesk.store.visits.sheets import SheetItem, blank_sheets, filled_sheets, prefilled_sheets

__all__ = [
    "FOLLOW_UP_CLOSED",
    "FOLLOW_UP_MAX",
    "FOLLOW_UP_OPEN",
    "VISIT_COLUMNS",
    "VISIT_FORM",
    "DueItem",
    "FollowUpRow",
    "SheetItem",
    "VisitEntry",
    "VisitPlan",
    "VisitRow",
    "WeeklyCoverage",
    "assess_person",
    "blank_sheets",
    "close_follow_up",
    "coverage",
    "coverage_history",
    "due_list",
    "due_roster",
    "filled_sheets",
    "follow_ups",
    "new_visit_values",
    "prefilled_sheets",
    "record_visit",
    "set_plan_override",
    "village_name",
    "visit_form",
    "visit_plan",
    "visit_values",
    "visits_in_week",
    "visits_of",
    "weekly_coverage",
]
