"""Reading one case: its values, status, dates, decision and 办理记录 (case events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jydesk.domain import casework
from jydesk.domain.approval import DEFAULT_LEVEL, ApprovalLevel
from jydesk.domain.casework import CaseFacts
from jydesk.domain.entities import CaseStatus
from jydesk.store.database import Store
from jydesk.store.models import Case, CaseEvent, Person
from jydesk.store.reference import approval_in


class CaseNotFound(LookupError):
    """No (undeleted) case with that id."""


@dataclass(frozen=True, slots=True)
class EventRow:
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None


@dataclass(slots=True)
class CaseDetail:
    """Everything the editor shows about one case."""

    id: str
    form_code: str
    status: CaseStatus
    values: dict[str, Any]
    household_id: str | None
    applicant_id: str | None
    applicant_name: str
    applied_on: date | None
    accepted_on: date | None
    publicity_start: date | None
    publicity_end: date | None
    submitted_on: date | None
    decision: str | None
    decision_amount: Decimal | None
    decision_start_month: str | None
    decision_reason: str | None
    decision_on: date | None
    decided_by: str | None
    events: list[EventRow] = field(default_factory=list)
    form_version: int = 1  # the version of the form definition the case is filled with
    register_no: str | None = None  # 登记编号 (from 受理)
    approval: ApprovalLevel = DEFAULT_LEVEL  # who confirms in the town (the city's setting)
    close_reason: str | None = None  # 不予受理 / 终止 / 撤回
    extension_days: int = 0
    extension_reason: str | None = None
    objection_rounds: int = 0
    received_on: date | None = None  # the town/county received the file (已接收材料, from the server)

    @property
    def facts(self) -> CaseFacts:
        return CaseFacts(self.form_code, self.status, self.values, applied_on=self.applied_on,
                         accepted_on=self.accepted_on, publicity_start=self.publicity_start,
                         publicity_end=self.publicity_end, submitted_on=self.submitted_on,
                         received_on=self.received_on, approval=self.approval, extension_days=self.extension_days,
                         objection_rounds=self.objection_rounds)

    @property
    def editable(self) -> bool:
        return self.status in casework.EDITABLE_STATUSES


def facts_of(case: Case, approval: ApprovalLevel = DEFAULT_LEVEL) -> CaseFacts:
    """The workflow facts of a case row (``approval``: who confirms in its town)."""
    return CaseFacts(case.form_code, CaseStatus(case.status), case.data or {}, applied_on=case.applied_on,
                     accepted_on=case.accepted_on, publicity_start=case.publicity_start,
                     publicity_end=case.publicity_end, submitted_on=case.submitted_on,
                     received_on=case.received_on, approval=approval,
                     extension_days=case.extension_days or 0, objection_rounds=case.objection_rounds or 0)


def load_case(store: Store, case_id: str) -> CaseDetail:
    with store.read() as s:
        case = s.get(Case, case_id)
        if case is None or case.deleted:
            raise CaseNotFound(case_id)
        name = (case.data or {}).get("applicant_name") or ""
        if case.applicant_id:
            name = s.execute(select(Person.name).where(Person.id == case.applicant_id)).scalar() or name
        events = s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.deleted.is_(False))
                           .order_by(CaseEvent.at, CaseEvent.id)).scalars().all()
        return CaseDetail(
            case.id, case.form_code, CaseStatus(case.status), dict(case.data or {}), case.household_id,
            case.applicant_id, name, case.applied_on, case.accepted_on, case.publicity_start, case.publicity_end,
            case.submitted_on, case.decision, case.decision_amount, case.decision_start_month,
            case.decision_reason, case.decision_on, case.decided_by,
            [EventRow(e.at, e.actor, e.from_status, e.to_status, e.note) for e in events],
            case.form_version or 1, case.register_no, approval_in(s, case.village_code), case.close_reason,
            case.extension_days or 0, case.extension_reason, case.objection_rounds or 0, case.received_on)
