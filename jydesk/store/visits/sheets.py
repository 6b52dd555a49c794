"""Visit sheets for printing: filled (the week's recorded visits), prefilled (one per person
due, for paper-first visits) and blank."""

from __future__ import annotations

from typing import Any

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FormDefinition
from jydesk.domain.visits import IsoWeek
from jydesk.store.database import Store
from jydesk.store.form_context import visit_print_item
from jydesk.store.visits.due import due_list
from jydesk.store.visits.history import visits_in_week
from jydesk.store.visits.recording import new_visit_values, visit_form

SheetItem = tuple[FormDefinition, dict[str, Any] | None, str]


def filled_sheets(store: Store, week: IsoWeek | str) -> list[SheetItem]:
    """The visit sheets of every visit recorded in ``week`` (for signatures and filing)."""
    with store.read() as s:
        ids = [v.id for v in visits_in_week(s, week)]
    return [visit_print_item(store, vid).as_batch_item() for vid in ids]


def prefilled_sheets(store: Store, week: IsoWeek | str, *, clerk: str = "") -> list[SheetItem]:
    """One sheet per person due in ``week`` (the roster's order) with the person's details
    printed and the visit left to fill in by hand (paper-first visits)."""
    week = IsoWeek.parse(week) if isinstance(week, str) else week
    defn = visit_form()
    with store.read() as s:
        items = [i for i in due_list(s, week, week.monday, include_extra=False) if i.due_in_week]
    items.sort(key=lambda i: (i.group_no is None, i.group_no or 0, i.address, i.name, i.person_id))
    sheets: list[SheetItem] = []
    for item in items:
        values = new_visit_values(store, item.person_id, clerk=clerk, today=week.monday)
        for key in ("person_id", "visited_on", "method"):
            values.pop(key, None)
        if not clerk:
            values.pop("visitors", None)
        sheets.append((defn, values, ""))
    return sheets


def blank_sheets(copies: int) -> list[SheetItem]:
    """``copies`` empty visit sheets."""
    if not 1 <= copies <= 500:
        raise ValidationError(FieldError("copies", "份数应为1至500"))
    defn = visit_form()
    return [(defn, None, "") for _ in range(copies)]
