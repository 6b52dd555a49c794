"""Case services: create, save, move through the workflow, list and count; holidays; standards.

Plain Python over :class:`~jydesk.store.database.Store`; the UI calls these and holds no rule.
Every change goes through ``store.write(actor)`` (row + audit + outbox in one transaction).

- :func:`create_case` makes a 草稿 prefilled from the registry (household, applicant, members).
- :func:`save_values` stores what the clerk typed. It never refuses a draft: values that
  cannot be stored in their field's format are left out of the record and returned as
  :class:`FieldError`\\ s (the editor keeps the raw text in the local draft and shows the
  message at the field). Fields filled in by the town/county are never written here.
- :func:`transition` checks the workflow's preconditions and writes the new status, its
  dates and a 办理记录 (CaseEvent) together; with a ``reason`` it also records the ways out
  (不予受理/终止/撤回) and a valid 公示 objection that sends the case back to 入户调查.
- :func:`extend_deadline` records an extension of the overall limit with its reason.

The modules: ``details`` (reading one case), ``editing`` (writing), ``listing`` (the 案件 list
and counts), ``forms`` (which forms, printable items), ``standards``, ``holidays``.
"""

from jydesk.store.cases.details import CaseDetail, CaseNotFound, EventRow, load_case
from jydesk.store.cases.editing import (
    create_case,
    discard_case,
    extend_deadline,
    record_print,
    save_values,
    storable_values,
    transition,
    village_keys,
)
from jydesk.store.cases.forms import case_forms, companion_forms, form_title, print_items
from jydesk.store.cases.holidays import (
    HOLIDAY_SEED_KEY,
    holiday_type,
    list_holidays,
    remove_holiday,
    seed_holidays,
    set_holiday,
    work_calendar,
)
from jydesk.store.cases.listing import (
    CaseQuery,
    CaseRow,
    deadline_counts,
    form_codes_in_use,
    group_numbers,
    list_cases,
    status_counts,
)
from jydesk.store.cases.standards import STANDARD_KIND, case_standard
from jydesk.store.form_context import prefill_context

__all__ = [
    "HOLIDAY_SEED_KEY",
    "STANDARD_KIND",
    "CaseDetail",
    "CaseNotFound",
    "CaseQuery",
    "CaseRow",
    "EventRow",
    "case_forms",
    "case_standard",
    "companion_forms",
    "create_case",
    "deadline_counts",
    "discard_case",
    "extend_deadline",
    "form_codes_in_use",
    "form_title",
    "group_numbers",
    "holiday_type",
    "list_cases",
    "list_holidays",
    "load_case",
    "prefill_context",
    "print_items",
    "record_print",
    "remove_holiday",
    "save_values",
    "seed_holidays",
    "set_holiday",
    "status_counts",
    "storable_values",
    "transition",
    "village_keys",
    "work_calendar",
]
