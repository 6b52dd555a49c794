"""What a village may change in a record: server-owned fields and case statuses.

Reviewers own some fields (``EntitySpec.server_owned`` and, per form, those of
``sync.server.form_rules``) and the statuses of review; a case beyond the village's
editable statuses is locked (``jydesk.domain.casework``).
"""

from __future__ import annotations

from typing import Any

from jydesk.domain import casework
from jydesk.domain.entities import CaseStatus, Entity, EntitySpec
from sync.protocol.errors import ErrorCode
from sync.server import form_rules, validation
from sync.server.changes import Prepared, rejected
from sync.server.validation import REVIEWER_STATUSES

_CASE = Entity.CASE.value


def client_fields(p: Prepared, spec: EntitySpec, current: dict[str, Any]
                  ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The change's fields less server-owned ones sent unchanged, after the case rules;
    or the answer refusing the change."""
    fields = p.fields
    owned = [n for n in spec.server_owned if n in fields]
    if spec.name == _CASE:
        code = fields.get("form_code") or current.get("form_code")
        owned += sorted(form_rules.owned_by_reviewers(code) & fields.keys())
    elif spec.name == Entity.RECIPIENT and not current and fields.get("source") == "导入":
        owned = []  # an imported current recipient arrives with its amount and status
    if owned:
        fields = dict(fields)
        for name in owned:
            if fields[name] != current.get(name):
                return fields, rejected(p, name, ErrorCode.SERVER_OWNED,
                                        f"{validation.label(name)}只能由审核人员在市级系统中填写")
            del fields[name]
    if spec.name == _CASE:
        fields = dict(fields)
        refusal = case_rules(p, fields, current)
        if refusal:
            return fields, refusal
    return fields, None


def case_rules(p: Prepared, fields: dict[str, Any], current: dict[str, Any]) -> dict[str, Any] | None:
    """Who may set which status, and what the village may still change (jydesk.domain.casework)."""
    now_status = current.get("status")
    target = fields.get("status")
    if target is not None and target == now_status:
        del fields["status"]
        target = None
    if target is not None:
        if target in REVIEWER_STATUSES:
            return rejected(p, "status", ErrorCode.SERVER_STATUS, f"“{target}”只能由乡镇/市级审核人员设置")
        if target not in validation.CASE_STATUSES:
            return rejected(p, "status", ErrorCode.INVALID_CHOICE, f"办理状态“{target}”不正确")
    if (now_status is not None and now_status not in casework.EDITABLE_STATUSES
            and any(v != current.get(n) for n, v in fields.items())):
        return rejected(p, "status" if target else None, ErrorCode.CASE_LOCKED,
                        f"申请已{now_status}，村(社区)不能再修改，如需更正请由审核人员退回补正")
    if target is not None and now_status is not None:
        allowed = allowed_targets({**current, **fields}, now_status)
        if allowed is not None and target not in allowed:
            why = ("、".join(f"“{a}”" for a in allowed)) or "（无：下一步由审核人员办理）"
            return rejected(p, "status", ErrorCode.INVALID_TRANSITION,
                            f"申请当前为“{now_status}”，不能直接转为“{target}”，只能转为{why}")
    if "status" not in fields and not current:
        fields["status"] = CaseStatus.DRAFT.value
    return None


def allowed_targets(record: dict[str, Any], status: str) -> list[str] | None:
    """Statuses the village may move a case to from ``status`` in one or more of its own moves
    (offline, a clerk may 受理 and start 入户调查 before the next sync, and the coalesced change
    carries only the latest status); None if the form is unknown."""
    try:
        defn = form_rules.definition(record.get("form_code") or "")
    except KeyError:
        return None
    days = 7 if defn is None else casework.publicity_days(
        record.get("form_code") or "", defn.publicity_days, form_rules.form_values(record),
        casework.as_date(record.get("applied_on")))
    facts = casework.CaseFacts(form_code=record.get("form_code") or "", status=CaseStatus(status))
    return [str(t) for t in casework.reachable_targets(facts, days)]


def adopted(p: Prepared, fields: dict[str, Any], new: dict[str, Any], clashed: Any) -> dict[str, Any]:
    """Values the server stores differently from what the client sent (normalised)."""
    sent = p.sent or p.fields
    return {n: new.get(n) for n in fields if n not in clashed and n in sent and sent[n] != new.get(n)}
