"""Record rules of the after-approval entities (``jydesk.domain.benefits``), stage 2 of
``sync.server.validation``: the same checks the desktop runs before it queues a change."""

from __future__ import annotations

from datetime import date
from typing import Any

from jydesk.domain import benefits as b
from jydesk.domain.entities import DATA_PREFIX
from jydesk.domain.errors import FieldError
from sync.protocol.errors import ErrorCode
from sync.server import form_rules as forms

Rule = tuple[dict[str, Any], list[FieldError]]
COLUMN_KEYS = ("reviewed_on", "outcome")


def recipient_rule(new: dict[str, Any], changed: set[str], today: date) -> Rule:
    errors: list[FieldError] = []
    if new.get("benefit") not in b.BENEFITS:
        errors.append(FieldError("benefit", f"保障类别应为{'、'.join(b.BENEFITS)}之一", ErrorCode.INVALID_CHOICE))
    if new.get("status") not in {s.value for s in b.RecipientStatus}:
        errors.append(FieldError("status", f"保障状态“{new.get('status')}”不正确", ErrorCode.INVALID_CHOICE))
    if "source" in changed and new.get("source") != "导入":
        errors.append(FieldError("source", "经审批的在保对象由市级系统生成，本机只能登记导入的在保对象"))
    persons = new.get("persons")
    if persons is not None and (not isinstance(persons, int) or not 1 <= persons <= 50):
        errors.append(FieldError("persons", "保障人数应为 1 到 50"))
    if "amount" in changed:
        try:
            b.amount_value(new.get("amount"))
        except b.BenefitError as exc:
            errors.append(FieldError("amount", str(exc)))
    return {}, errors


def review_rule(new: dict[str, Any], changed: set[str], today: date) -> Rule:
    errors: list[FieldError] = []
    kind = new.get("kind")
    if kind not in b.REVIEW_KINDS:
        return {}, [FieldError("kind", f"复核类别应为{'或'.join(b.REVIEW_KINDS)}", ErrorCode.INVALID_CHOICE)]
    if new.get("form_code") != b.REVIEW_FORMS[kind]:
        errors.append(FieldError("form_code", f"{kind}应使用表单 {b.REVIEW_FORMS[kind]}"))
    if new.get("outcome") not in (None, *b.REVIEW_OUTCOMES):
        errors.append(FieldError("outcome", f"复核结论应为{'或'.join(b.REVIEW_OUTCOMES)}", ErrorCode.INVALID_CHOICE))
    on = new.get("reviewed_on")
    if on and on > today.isoformat():
        errors.append(FieldError("reviewed_on", "复核日期不能晚于今天"))
    if any(k.startswith(DATA_PREFIX) for k in changed):
        try:
            defn = forms.definition(b.REVIEW_FORMS[kind])
        except KeyError:
            defn = None
        if defn is not None:
            # the form's 日期 and 结论 are the record's columns (reviewed_on, outcome)
            record = {**new, **{DATA_PREFIX + k: new.get(k) for k in COLUMN_KEYS}}
            errors.extend(forms._validate(defn, record, changed, partial=False))
    return {}, errors


def change_rule(new: dict[str, Any], changed: set[str], today: date) -> Rule:
    fields = dict(new)
    if isinstance(fields.get("taper_months"), str) and fields["taper_months"].isdigit():
        fields["taper_months"] = int(fields["taper_months"])
    errors = b.check_change(fields)
    if new.get("decision") and changed - {"deleted"}:
        errors.append(FieldError("decision", "变更申请已审批，不能再修改"))
    on = new.get("proposed_on")
    if on and on > today.isoformat():
        errors.append(FieldError("proposed_on", "提出日期不能晚于今天"))
    return {}, errors


def life_event_rule(new: dict[str, Any], changed: set[str], today: date) -> Rule:
    errors: list[FieldError] = []
    if new.get("kind") not in {k.value for k in b.LifeEventKind}:
        errors.append(FieldError("kind", "人员变动应为死亡或迁出", ErrorCode.INVALID_CHOICE))
    on = new.get("happened_on")
    if on and on > today.isoformat():
        errors.append(FieldError("happened_on", "发生日期不能晚于今天"))
    return {}, errors
