"""The 案件 list: cases matching a query with their deadline state, counts per status, and the
values its filters offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from jydesk.domain import casework
from jydesk.domain.approval import DEFAULT_LEVEL, ApprovalLevel
from jydesk.domain.casework import CaseFacts, Deadline, DeadlineState
from jydesk.domain.entities import CaseStatus
from jydesk.domain.workdays import WorkCalendar
from jydesk.store.cases.holidays import work_calendar
from jydesk.store.database import Store
from jydesk.store.models import Case, Household, Person
from jydesk.store.reference import town_approval


@dataclass(frozen=True, slots=True)
class CaseQuery:
    form_code: str | None = None
    status: str | None = None
    group_no: int | None = None
    deadline_state: DeadlineState | None = None
    text: str = ""  # applicant name contains


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: str
    form_code: str
    status: str
    applicant_name: str
    group_no: int | None
    address: str
    applied_on: date | None
    updated_at: datetime
    deadline: Deadline | None
    deadline_state: DeadlineState
    deadline_text: str
    decision_amount: Decimal | None


def _base_rows(store: Store, query: CaseQuery, *, with_status: bool) -> list[tuple[Any, ...]]:
    stmt = (select(Case.id, Case.form_code, Case.status, Case.applied_on, Case.accepted_on, Case.publicity_start,
                   Case.publicity_end, Case.submitted_on, Case.updated_at, Case.decision_amount,
                   # the form's name only when no applicant record is linked (coalesce short-circuits)
                   func.coalesce(Person.name, func.json_extract(Case.data, "$.applicant_name")),
                   Household.group_no, Household.address, Case.extension_days, Case.received_on)
            .outerjoin(Person, Person.id == Case.applicant_id)
            .outerjoin(Household, Household.id == Case.household_id)
            .where(Case.deleted.is_(False)))
    if query.form_code:
        stmt = stmt.where(Case.form_code == query.form_code)
    if with_status and query.status:
        stmt = stmt.where(Case.status == query.status)
    if query.group_no is not None:
        stmt = stmt.where(Household.group_no == query.group_no)
    if query.text.strip():
        stmt = stmt.where(Person.name.contains(query.text.strip()))
    stmt = stmt.order_by(Case.updated_at.desc(), Case.id.desc())
    with store.read() as s:
        return [tuple(r) for r in s.execute(stmt).all()]


def _row(r: tuple[Any, ...], calendar: WorkCalendar, today: date,
         approval: ApprovalLevel = DEFAULT_LEVEL) -> CaseRow:
    (cid, form_code, status, applied, accepted, pstart, pend, submitted, updated, amount, name, group, address,
     extension, received) = r
    facts = CaseFacts(form_code, CaseStatus(status), {}, applied_on=applied, accepted_on=accepted,
                      publicity_start=pstart, publicity_end=pend, submitted_on=submitted, received_on=received,
                      approval=approval, extension_days=extension or 0)
    dl = casework.deadline(facts, calendar)
    state = casework.deadline_state(dl.due if dl else None, today, calendar)
    text = casework.deadline_text(dl, today, calendar)
    if status == CaseStatus.PUBLICITY and pend is not None:
        text = f"公示至 {pend:%Y-%m-%d}" + (f"；{text}" if text else "")
    return CaseRow(cid, form_code, status, name or "", group,
                   address or "", applied, updated, dl, state, text, amount)


def list_cases(store: Store, query: CaseQuery = CaseQuery(), *, today: date | None = None,
               calendar: WorkCalendar | None = None) -> list[CaseRow]:
    """Cases matching ``query``, most recently changed first, with their deadline state."""
    today = today or date.today()
    calendar = calendar or work_calendar(store)
    approval = town_approval(store)
    rows = [_row(r, calendar, today, approval) for r in _base_rows(store, query, with_status=True)]
    if query.deadline_state is not None:
        rows = [r for r in rows if r.deadline_state is query.deadline_state]
    return rows


def status_counts(store: Store, query: CaseQuery = CaseQuery()) -> dict[str, int]:
    """Cases per status for ``query`` (its status filter ignored), every status present (0 too)."""
    counts = {s.value: 0 for s in CaseStatus}
    stmt = select(Case.status, func.count()).where(Case.deleted.is_(False))
    if query.form_code:
        stmt = stmt.where(Case.form_code == query.form_code)
    if query.group_no is not None or query.text.strip() or query.deadline_state is not None:
        for r in list_cases(store, CaseQuery(query.form_code, None, query.group_no, query.deadline_state,
                                             query.text)):
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts
    with store.read() as s:
        for status, n in s.execute(stmt.group_by(Case.status)).all():
            counts[status] = n
    return counts


def deadline_counts(store: Store, *, today: date | None = None) -> dict[DeadlineState, int]:
    """How many open cases are 即将到期 / 已超期 (for the panel's warning line)."""
    counts = dict.fromkeys(DeadlineState, 0)
    for r in list_cases(store, today=today):
        counts[r.deadline_state] += 1
    return counts


def group_numbers(store: Store) -> list[int]:
    """The 组 numbers that have households (for the filter)."""
    with store.read() as s:
        return [g for (g,) in s.execute(select(Household.group_no).where(Household.group_no.is_not(None))
                                        .distinct().order_by(Household.group_no)).all()]


def form_codes_in_use(store: Store) -> list[str]:
    with store.read() as s:
        return [c for (c,) in s.execute(select(Case.form_code).where(Case.deleted.is_(False)).distinct()
                                        .order_by(Case.form_code)).all()]
