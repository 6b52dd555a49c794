"""Review by town and city staff: list submitted cases, look at one, record a decision.

A decision writes the case's server-owned fields and status and a 办理记录 (case_event)
in one village-ordered transaction, so the village receives both on its next pull.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from jydesk.domain import approval
from jydesk.domain.entities import DATA_PREFIX, CaseStatus, Entity
from jydesk.domain.ids import new_id
from jydesk.domain.text import clean
from sync.protocol.errors import ErrorCode
from sync.protocol.models import DecisionKind, DecisionRequest
from sync.server import benefit_review, form_rules, reference
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Record
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

CHINA = timezone(timedelta(hours=8))
REVIEWABLE = (CaseStatus.SUBMITTED.value, CaseStatus.REVIEWING.value)
#: What reviewers see: cases from the moment the village submits them (not its drafts).
VISIBLE = (*REVIEWABLE, CaseStatus.APPROVED.value, CaseStatus.REFUSED.value, CaseStatus.RETURNED.value)
OUTCOME = {DecisionKind.APPROVE: CaseStatus.APPROVED, DecisionKind.REFUSE: CaseStatus.REFUSED,
           DecisionKind.RETURN: CaseStatus.RETURNED}
MAX_AMOUNT = Decimal("100000")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _out(row: Any) -> dict[str, Any]:
    return {"entity": row.entity, "id": row.id, "village_code": row.village_code, "revision": row.revision,
            "fields": row.fields, "deleted": row.deleted, "updated_at": row.updated_at}


def _scope(stmt: Any, reviewer: ReviewerRef) -> Any:
    if reviewer.scope != "city":
        stmt = stmt.where(Record.village_code.like(f"{reviewer.town_code}%"))
    return stmt


def list_cases(db: Database, reviewer: ReviewerRef, *, status: str | None = None, village: str | None = None,
               limit: int = 50, offset: int = 0) -> dict[str, Any]:
    t = Record.__table__.c
    if status and status not in VISIBLE:
        raise ServiceError(ErrorCode.INVALID_REQUEST, 422, f"只能查询已上报及之后的申请（{'、'.join(VISIBLE)}）",
                           field="status")
    statuses = [status] if status else list(REVIEWABLE)
    where = [t.entity == Entity.CASE.value, t.deleted.is_(False), t.status.in_(statuses)]
    if village:
        where.append(t.village_code == village)
    stmt = _scope(select(Record.__table__).where(*where), reviewer)
    count = _scope(select(func.count()).select_from(Record).where(*where), reviewer)
    with db.read() as conn:
        total = int(conn.execute(count).scalar_one())
        rows = conn.execute(stmt.order_by(t.updated_at, t.id).limit(max(1, min(limit, 500)))
                            .offset(max(0, offset))).all()
    return {"cases": [_out(r) for r in rows], "total": total}


def _one(conn: Any, entity: str, rid: str) -> Any:
    t = Record.__table__.c
    return conn.execute(select(Record.__table__).where(t.entity == entity, t.id == rid)).first()


def case_detail(db: Database, reviewer: ReviewerRef, case_id: str) -> dict[str, Any]:
    t = Record.__table__.c
    with db.read() as conn:
        case = _one(conn, Entity.CASE.value, case_id.lower())
        if case is None or not reviewer.may_see(case.village_code) or case.status not in VISIBLE:
            raise ServiceError(ErrorCode.NOT_FOUND, 404, "找不到该申请", entity="case", record_id=case_id)
        hh_id = case.fields.get("household_id")
        household = _one(conn, Entity.HOUSEHOLD.value, hh_id) if hh_id else None
        members = conn.execute(select(Record.__table__).where(
            t.entity == Entity.PERSON.value, t.parent_id == hh_id, t.village_code == case.village_code,
            t.deleted.is_(False)).order_by(t.created_at)).all() if hh_id else []
        events = conn.execute(select(Record.__table__).where(
            t.entity == Entity.CASE_EVENT.value, t.parent_id == case.id).order_by(t.seq)).all()
        attachments = [r for r in conn.execute(select(Record.__table__).where(
            t.entity == Entity.ATTACHMENT.value, t.village_code == case.village_code, t.deleted.is_(False)))
            if r.fields.get("owner_id") == case.id]
    return {"case": _out(case), "household": _out(household) if household else None,
            "members": [_out(m) for m in members], "events": [_out(e) for e in events],
            "attachments": [_out(a) for a in attachments]}


def _check(req: DecisionRequest) -> dict[str, Any]:
    """The case fields a decision sets; ServiceError naming the field if incomplete."""
    kind = DecisionKind(req.decision)
    reason = clean(req.reason or "")
    values: dict[str, Any] = {"decision": kind.value, "decision_amount": None, "decision_start_month": None,
                              "decision_reason": reason or None}
    if kind is DecisionKind.APPROVE:
        try:
            amount = Decimal((req.amount or "").strip())
        except InvalidOperation:
            amount = Decimal(-1)
        if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
            raise ServiceError(ErrorCode.DECISION_INVALID, 422, "批准时须填写核定金额（元/月，大于0，最多两位小数）",
                               field="amount")
        m = _MONTH.match((req.start_month or "").strip())
        if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
            raise ServiceError(ErrorCode.DECISION_INVALID, 422, "批准时须填写起始月份（如 2025-07）", field="start_month")
        values["decision_amount"] = f"{amount:.2f}"
        values["decision_start_month"] = m.group(0)
    elif not reason:
        what = "不予批准的理由" if kind is DecisionKind.REFUSE else "需要补正的内容"
        raise ServiceError(ErrorCode.DECISION_INVALID, 422, f"请填写{what}", field="reason")
    return values


def decide(db: Database, reviewer: ReviewerRef, case_id: str, req: DecisionRequest) -> dict[str, Any]:
    values = _check(req)
    kind = DecisionKind(req.decision)
    case_id = case_id.lower()
    village = _find(db, reviewer, case_id)
    now = utcnow()
    with db.write() as conn:
        last_seq, state, status = _locked_case(conn, village, case_id, "审批")
        if req.base_revision is not None and req.base_revision != state.revision:
            raise ServiceError(ErrorCode.REVISION_CHANGED, 409, entity="case", record_id=case_id)
        level = approval.confirming_level(state.fields.get("form_code") or "",
                                          reference.approval_level(conn, village))
        values.update(_form_values(reviewer, state.fields, req.values, level))
        values["status"] = OUTCOME[kind].value
        if kind is DecisionKind.RETURN and state.fields.get("received_on"):
            values["received_on"] = None  # corrected and reported again, the file is received anew
        values["decision_on"] = now.astimezone(CHINA).date().isoformat()
        values["decided_by"] = reviewer.display_name
        changed = [k for k, v in values.items() if state.fields.get(k) != v]
        state.revision += 1
        set_fields(state, values, changed, reviewer.origin)
        note = _note(kind, values, delegated=kind is not DecisionKind.RETURN and reviewer.scope == "town"
                     and level is approval.ApprovalLevel.TOWN)
        result = _write(conn, state, last_seq, now, reviewer, status, values["status"], _actor(reviewer, level), note)
        if kind is DecisionKind.APPROVE:  # the 在保对象 register row (jydesk.domain.benefits)
            benefit_review.add_recipient(conn, state, last_seq + 2, now, reviewer.origin)
        return result


def _find(db: Database, reviewer: ReviewerRef, case_id: str) -> str:
    """The village of a case the reviewer may see (404 otherwise)."""
    with db.read() as conn:
        found = _one(conn, Entity.CASE.value, case_id)
    if found is None or not reviewer.may_see(found.village_code):
        raise ServiceError(ErrorCode.NOT_FOUND, 404, "找不到该申请", entity="case", record_id=case_id)
    return str(found.village_code)


def _locked_case(conn: Any, village: str, case_id: str, action: str) -> tuple[int, RecordState, Any]:
    """The village's feed locked (its last seq), the case and its status; 409 unless under review."""
    last_seq = lock_village(conn, village)
    state = load_records(conn, [(Entity.CASE.value, case_id)])[(Entity.CASE.value, case_id)]
    status = state.fields.get("status")
    if state.deleted or status not in REVIEWABLE:
        raise ServiceError(ErrorCode.CASE_NOT_REVIEWABLE, 409, f"该申请当前状态为“{status}”，不能{action}",
                           entity="case", record_id=case_id)
    return last_seq, state, status


def _write(conn: Any, state: RecordState, last_seq: int, now: Any, reviewer: ReviewerRef, from_status: Any,
           to_status: Any, actor: str, note: str) -> dict[str, Any]:
    """Write the changed case and a 办理记录 at the next two seqs of the village's feed."""
    village = state.village_code
    event = RecordState(Entity.CASE_EVENT.value, new_id(), village, revision=1, created_at=now)
    event.fields = {"village_code": village, "case_id": state.id, "from_status": from_status,
                    "to_status": to_status, "at": now.isoformat(timespec="seconds"), "actor": actor, "note": note}
    new_field_revs(event, event.fields, 1, reviewer.origin)
    state.seq, event.seq = last_seq + 1, last_seq + 2
    write_records(conn, [state, event], now)
    set_village_seq(conn, village, last_seq + 2)
    state_row = state.row(now)
    return {"case": {"entity": "case", "id": state.id, "village_code": village, "revision": state.revision,
                     "fields": state_row["fields"], "deleted": False, "updated_at": now},
            "event_id": event.id}


#: The 办理记录 note of 已接收材料.
RECEIVED_NOTE = "已接收材料"


def receive(db: Database, reviewer: ReviewerRef, case_id: str) -> dict[str, Any]:
    """Record that the town/county received the case's file (已接收材料): ``received_on`` is set
    to today (China time) once; the county's clock of 特困 and 事实无人抚养儿童 runs from it."""
    case_id = case_id.lower()
    village = _find(db, reviewer, case_id)
    now = utcnow()
    with db.write() as conn:
        last_seq, state, status = _locked_case(conn, village, case_id, "登记接收材料")
        if state.fields.get("received_on"):
            raise ServiceError(ErrorCode.ALREADY_RECEIVED, 409, f"该申请的材料已于 {state.fields['received_on']} 登记接收",
                               entity="case", record_id=case_id)
        on = now.astimezone(CHINA).date().isoformat()
        state.revision += 1
        set_fields(state, {"received_on": on}, ["received_on"], reviewer.origin)
        level = "市级" if reviewer.scope == "city" else "乡镇"
        return _write(conn, state, last_seq, now, reviewer, status, status, f"{reviewer.display_name}（{level}）",
                      f"{RECEIVED_NOTE}（{on}）")


def _actor(reviewer: ReviewerRef, level: approval.ApprovalLevel) -> str:
    if reviewer.scope == "city":
        return f"{reviewer.display_name}（市级审核）"
    if level is approval.ApprovalLevel.TOWN:
        return f"{reviewer.display_name}（乡镇审核确认，县级备案）"
    return f"{reviewer.display_name}（乡镇审核）"


def _form_values(reviewer: ReviewerRef, case: dict[str, Any], given: dict[str, Any],
                 level: approval.ApprovalLevel) -> dict[str, Any]:
    """The reviewer's form fields as ``data.<key>``, checked against the form definition and
    against who confirms in the case's town (``level``, see :func:`approval.may_fill`)."""
    if not given:
        return {}
    try:
        defn = form_rules.definition(case.get("form_code") or "")
    except KeyError:
        defn = None
    if defn is None:
        raise ServiceError(ErrorCode.DECISION_INVALID, 422, "该申请的表单类型未知，不能填写表单栏目", field="values")
    for key in given:
        if not defn.has_field(key) or not approval.may_fill(reviewer.scope, key, str(defn.field(key).filled_by),
                                                            level):
            raise ServiceError(ErrorCode.DECISION_INVALID, 422, f"“{key}”不是审核人员可以填写的栏目",
                               field=f"values.{key}")
    merged = {**form_rules.form_values(case), **given}
    errors = [e for e in defn.validate(merged) if e.field.split(".", 1)[0].split("[", 1)[0] in given]
    if errors:
        raise ServiceError(ErrorCode.DECISION_INVALID, 422, errors[0].message, field=f"values.{errors[0].field}",
                           errors=[{"field": f"values.{e.field}", "code": e.code, "message": e.message}
                                   for e in errors])
    normalised = defn.normalise(merged)
    return {DATA_PREFIX + key: normalised.get(key) for key in given}


#: Marks a confirming decision the town made under delegation (the county keeps it on record).
DELEGATED_NOTE = "乡镇（街道）依委托审核确认，报县级民政部门备案"


def _note(kind: DecisionKind, values: dict[str, Any], *, delegated: bool = False) -> str:
    if kind is DecisionKind.APPROVE:
        text = f"批准：每月 {values['decision_amount']} 元，自 {values['decision_start_month']} 起"
    else:
        label = "不予批准" if kind is DecisionKind.REFUSE else "退回补正"
        text = f"{label}：{values['decision_reason']}"
    return f"{text}（{DELEGATED_NOTE}）" if delegated else text
