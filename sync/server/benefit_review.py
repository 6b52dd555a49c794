"""After approval on the server: the register row an approved case makes, and reviewers
deciding proposed changes (增发/减发/停发/暂停/恢复, 渐退期) through the review API.

A decision writes the change's server-owned fields and the register row (status, amount,
渐退期 end, stop month) in one village-ordered transaction, so the village receives both on its
next pull. The rules are the client's (``jydesk.domain.benefits``).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from jydesk.domain import benefits as b
from jydesk.domain.entities import Entity
from jydesk.domain.text import clean
from sync.protocol.errors import ErrorCode
from sync.protocol.models import ChangeDecisionRequest
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Record, ReferenceSetting
from sync.server.records import (
    RecordState,
    load_records,
    lock_village,
    new_field_revs,
    set_fields,
    set_village_seq,
    utcnow,
    write_records,
)
from sync.server.reviewers import ReviewerRef

_RECIPIENT, _CHANGE, _PERSON = Entity.RECIPIENT.value, Entity.BENEFIT_CHANGE.value, Entity.PERSON.value
_NAMESPACE = uuid.UUID("0b6f3c1e-6a44-4f5e-9d1e-2c5a8f7b9e20")
_MONTH = re.compile(r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$")


def recipient_id(case_id: str) -> str:
    """The register row of an approved case: one id everywhere, so an approval is never doubled."""
    return str(uuid.uuid5(_NAMESPACE, f"recipient:{case_id}"))


def add_recipient(conn: Any, case: RecordState, last_seq: int, now: datetime, origin: int) -> int:
    """After an approval: write the case's register row at ``last_seq + 1`` (benefits with a
    register only); return the village's new last seq."""
    f = case.fields
    benefit, household = f.get("form_code"), f.get("household_id")
    person = f.get("applicant_id")
    if benefit not in b.BENEFITS or not household or not person or not f.get("decision_amount"):
        return last_seq
    rid = recipient_id(case.id)
    if load_records(conn, [(_RECIPIENT, rid)]):
        return last_seq
    t = Record.__table__.c
    members = int(conn.execute(select(func.count()).select_from(Record).where(
        t.entity == _PERSON, t.parent_id == household, t.village_code == case.village_code,
        t.deleted.is_(False))).scalar_one())
    state = RecordState(_RECIPIENT, rid, case.village_code, revision=1, created_at=now, seq=last_seq + 1)
    state.fields = {"village_code": case.village_code, "benefit": benefit, "household_id": household,
                    "person_id": person, "case_id": case.id,
                    "persons": max(1, members) if benefit in b.HOUSEHOLD_BENEFITS else 1,
                    "amount": f["decision_amount"], "start_month": f.get("decision_start_month"),
                    "status": b.RecipientStatus.ACTIVE.value, "taper_end_month": None, "stop_month": None,
                    "source": "审批", "note": None}
    new_field_revs(state, state.fields, 1, origin)
    write_records(conn, [state], now)
    set_village_seq(conn, case.village_code, last_seq + 1)
    return last_seq + 1


def _max_taper(conn: Any) -> int:
    """The longest 渐退期 the city set (reference ``benefit_rule``/``taper``), else the plan's 12."""
    t = ReferenceSetting.__table__.c
    rows = conn.execute(select(t.key, t.value).where(t.kind == b.BENEFIT_RULE_KIND)).all()
    return b.rules_from({k: v for k, v in rows})[1]


def _out(row: Any) -> dict[str, Any]:
    return {"entity": row.entity, "id": row.id, "village_code": row.village_code, "revision": row.revision,
            "fields": row.fields, "deleted": row.deleted, "updated_at": row.updated_at}


def list_changes(db: Database, reviewer: ReviewerRef, *, pending: bool = True, village: str | None = None,
                 limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Proposed changes the reviewer may see (waiting for a decision unless ``pending`` is False),
    each with its register row."""
    t = Record.__table__.c
    where = [t.entity == _CHANGE, t.deleted.is_(False)]
    if village:
        where.append(t.village_code == village)
    if reviewer.scope != "city":
        where.append(t.village_code.like(f"{reviewer.town_code}%"))
    with db.read() as conn:
        rows = [r for r in conn.execute(select(Record.__table__).where(*where).order_by(t.seq))
                if not pending or not r.fields.get("decision")]
        page = rows[max(0, offset):max(0, offset) + max(1, min(limit, 500))]
        ids = [(_RECIPIENT, r.fields.get("recipient_id")) for r in page]
        found = load_records(conn, [k for k in ids if k[1]])
    out = []
    for r in page:
        rec = found.get((_RECIPIENT, r.fields.get("recipient_id")))
        out.append({"change": _out(r), "recipient": rec and {"id": rec.id, "fields": rec.fields,
                                                            "revision": rec.revision}})
    return {"changes": out, "total": len(rows)}


def _check(req: ChangeDecisionRequest, change: dict[str, Any]) -> dict[str, Any]:
    reason = clean(req.reason or "")
    if req.decision == b.REFUSE:
        if not reason:
            raise ServiceError(ErrorCode.DECISION_INVALID, 422, "请填写不予批准的理由", field="reason")
        return {"decision": b.REFUSE, "decision_reason": reason, "decision_amount": None, "effective_month": None}
    month = (req.effective_month or "").strip()
    if not _MONTH.match(month):
        raise ServiceError(ErrorCode.DECISION_INVALID, 422, "批准时须填写生效月份（如 2026-07）", field="effective_month")
    amount = None
    if change.get("kind") in (b.ChangeKind.RAISE, b.ChangeKind.REDUCE):
        try:
            amount = b.amount_value(req.amount or change.get("proposed_amount"), "amount")
        except b.BenefitError as exc:
            raise ServiceError(ErrorCode.DECISION_INVALID, 422, f"核定金额：{exc}", field="amount") from None
    return {"decision": b.APPROVE, "decision_reason": reason or None,
            "decision_amount": f"{amount:.2f}" if amount is not None else None, "effective_month": month}


def decide_change(db: Database, reviewer: ReviewerRef, change_id: str, req: ChangeDecisionRequest) -> dict[str, Any]:
    """Approve or refuse a proposed change; an approval updates the register row at once."""
    change_id = change_id.lower()
    with db.read() as conn:
        found = load_records(conn, [(_CHANGE, change_id)]).get((_CHANGE, change_id))
    if found is None or found.deleted or not reviewer.may_see(found.village_code):
        raise ServiceError(ErrorCode.NOT_FOUND, 404, "找不到该变更申请", entity=_CHANGE, record_id=change_id)
    village = found.village_code
    now = utcnow()
    with db.write() as conn:
        last_seq = lock_village(conn, village)
        change = load_records(conn, [(_CHANGE, change_id)])[(_CHANGE, change_id)]
        if change.fields.get("decision"):
            raise ServiceError(ErrorCode.CASE_NOT_REVIEWABLE, 409, f"该变更申请已{change.fields['decision']}",
                               entity=_CHANGE, record_id=change_id)
        if req.base_revision is not None and req.base_revision != change.revision:
            raise ServiceError(ErrorCode.REVISION_CHANGED, 409, entity=_CHANGE, record_id=change_id)
        values = _check(req, change.fields)
        key = (_RECIPIENT, change.fields.get("recipient_id") or "")
        row = load_records(conn, [key]).get(key)
        if row is None:
            raise ServiceError(ErrorCode.NOT_FOUND, 404, "该变更申请的在保对象尚未同步到服务器", entity=_CHANGE,
                               record_id=change_id)
        states = [change]
        if values["decision"] == b.APPROVE:
            kind = b.ChangeKind(change.fields["kind"])
            taper = change.fields.get("taper_months")
            longest = _max_taper(conn)
            if taper and int(taper) > longest:
                raise ServiceError(ErrorCode.DECISION_INVALID, 422, f"渐退期不能超过 {longest} 个月（市级设置）",
                                   field="taper_months")
            status = row.fields.get("status")
            if status not in b.ALLOWED_FROM[kind]:
                raise ServiceError(ErrorCode.DECISION_INVALID, 409, f"在保对象现为“{status}”，不能{kind.value}",
                                   entity=_CHANGE, record_id=change_id)
            after = b.decided(kind, values["decision_amount"], values["effective_month"],
                              change.fields.get("taper_months"), row.fields.get("amount"))
            new = {"status": str(after.status), "amount": after.amount, "taper_end_month": after.taper_end_month,
                   "stop_month": after.stop_month}
            changed = [k for k, v in new.items() if row.fields.get(k) != v]
            row.revision += 1
            set_fields(row, new, changed, reviewer.origin)
            states.append(row)
        values["decision_on"] = now.date().isoformat()
        values["decided_by"] = reviewer.display_name
        change.revision += 1
        set_fields(change, values, [k for k, v in values.items() if change.fields.get(k) != v], reviewer.origin)
        for i, s in enumerate(states, 1):
            s.seq = last_seq + i
        write_records(conn, states, now)
        set_village_seq(conn, village, last_seq + len(states))
    return {"change": {"entity": _CHANGE, "id": change.id, "village_code": village, "revision": change.revision,
                       "fields": change.fields, "deleted": False, "updated_at": now},
            "recipient": {"entity": _RECIPIENT, "id": row.id, "village_code": village, "revision": row.revision,
                          "fields": row.fields, "deleted": row.deleted, "updated_at": now}}
