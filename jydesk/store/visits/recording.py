"""Recording a visit: the quick-entry defaults, checking the entry, and saving the visit with
its follow-up items and photos in one transaction (rows + audit + outbox)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jydesk.domain.entities import Entity
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FormDefinition, get_definition
from jydesk.store.database import Store
from jydesk.store.form_context import VISIT_FORM, prefill_context
from jydesk.store.models import FollowUp, Person, Visit
from jydesk.store.sql_values import as_date
from jydesk.store.unit_of_work import Actor
from jydesk.store.visits.follow_ups import FOLLOW_UP_MAX, FOLLOW_UP_OPEN

# Keys of the visit form kept in the visits table's columns; the others go to its JSON data.
VISIT_COLUMNS = ("person_id", "visited_on", "method", "visitors", "next_visit_on", "follow_up_needed")


def visit_form() -> FormDefinition:
    """The ``visit`` form definition (forms/visit.toml): fields, validation and print layout."""
    return get_definition(VISIT_FORM)


def new_visit_values(store: Store, person_id: str, *, clerk: str, today: date | None = None) -> dict[str, Any]:
    """The quick-entry defaults: the person's details from the registry, today, this clerk, 入户."""
    today = today or date.today()
    context = prefill_context(store, None, person_id, clerk=clerk, today=today)
    if not context["applicant"]:
        raise ValidationError(FieldError("person_id", "被探访人不存在或已被删除", "missing"))
    values = visit_form().prefill(context)
    values.setdefault("visited_on", today.isoformat())
    values.setdefault("method", "入户")
    values.setdefault("visitors", clerk)
    values["person_id"] = person_id
    return values


@dataclass(slots=True)
class VisitEntry:
    """One visit as the quick-entry dialog collects it."""

    person_id: str
    values: dict[str, Any]  # the visit form's values (keys of forms/visit.toml)
    follow_ups: list[str] = field(default_factory=list)  # follow-up items; default: 发现问题, line by line
    photos: list[Path] = field(default_factory=list)

    def follow_up_items(self) -> list[str]:
        """The follow-up items to open: the ones given, else (需要跟进 ticked) the lines of 发现问题."""
        items = [f.strip() for f in self.follow_ups if f and f.strip()]
        if not items and self.values.get("follow_up_needed") in (True, "true", "是"):
            items = [line.strip() for line in str(self.values.get("problems") or "").splitlines() if line.strip()]
        return items


def _check_entry(defn: FormDefinition, entry: VisitEntry, today: date) -> tuple[dict[str, Any], list[str]]:
    """Validated, normalised form values and the follow-up items; ValidationError naming every bad field."""
    values = {k: v for k, v in entry.values.items() if k != "person_id"}
    # the date bounds are checked below against ``today`` (the form's "today" is the wall clock)
    errors = [e for e in defn.validate(values) if not (e.field == "visited_on" and e.code == "range")]
    visited_on = _lenient_date(values.get("visited_on"))
    if visited_on is not None:
        if visited_on > today:
            errors.append(FieldError("visited_on", "“探访日期”不能晚于今天"))
        elif visited_on < today - timedelta(days=366):
            errors.append(FieldError("visited_on", "“探访日期”不能早于一年前"))
    items = entry.follow_up_items()
    for index, item in enumerate(items):
        if len(item) > FOLLOW_UP_MAX:
            errors.append(FieldError("follow_ups", f"第{index + 1}项跟进事项不能超过{FOLLOW_UP_MAX}个字"))
    if values.get("follow_up_needed") in (True, "true", "是") and not items:
        errors.append(FieldError("follow_up_needed", "勾选了“需要跟进”，请填写跟进事项或“发现问题”", "required"))
    if errors:
        raise ValidationError(_dedupe(errors))
    return defn.normalise(values), items


def _lenient_date(value: Any) -> date | None:
    try:
        return as_date(value) if isinstance(value, date) or not value else date.fromisoformat(str(value))
    except ValueError:
        return None


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in errors:
        if (e.field, e.message) not in seen:
            seen.add((e.field, e.message))
            out.append(e)
    return out


def record_visit(store: Store, actor: Actor, entry: VisitEntry, *, today: date | None = None) -> str:
    """Save one visit with its follow-up items and photos in one transaction; return its id.

    Person details the form prints (姓名, 住址 …) that the entry leaves out are taken from the
    registry. Raises ValidationError (Chinese messages naming each field) and saves nothing
    if any value is refused.
    """
    from jydesk.store.attachments import attach, store_photo

    today = today or date.today()
    defn = visit_form()
    with store.read() as s:
        person = s.get(Person, entry.person_id)
        if person is None or person.deleted:
            raise ValidationError(FieldError("person_id", "被探访人不存在或已被删除", "missing"))
    defaults = new_visit_values(store, entry.person_id, clerk=actor.name, today=today)
    entry = VisitEntry(entry.person_id, {**defaults, **entry.values}, entry.follow_ups, entry.photos)
    clean, items = _check_entry(defn, entry, today)
    photos = [store_photo(store.attachments_dir, p, store.key) for p in entry.photos]
    data = {k: v for k, v in clean.items() if k not in VISIT_COLUMNS and k != "person_id" and v not in (None, "", [])}
    with store.write(actor) as w:
        person = w.session.get(Person, entry.person_id)
        if person is None or person.deleted:
            raise ValidationError(FieldError("person_id", "被探访人不存在或已被删除", "missing"))
        visit = w.add(Visit(person_id=person.id, visited_on=as_date(clean["visited_on"]), method=clean["method"],
                            visitors=clean["visitors"], follow_up_needed=bool(items),
                            next_visit_on=as_date(clean.get("next_visit_on")), data=data))
        for item in items:
            w.add(FollowUp(visit_id=visit.id, person_id=person.id, description=item, status=FOLLOW_UP_OPEN))
        for photo in photos:
            attach(w, Entity.VISIT, visit.id, photo)
        return visit.id
