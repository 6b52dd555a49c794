"""The case workflow: statuses, allowed transitions, their preconditions, and time limits.

Workflow (national 2021 rules; sources at each rule)::

    草稿 → 已受理 → 入户调查 → 公示 → 已上报 → 审核中 → 已批准 / 不予批准 / 退回补正
                              └──────────→ 已上报   (no 公示: 事实无人抚养儿童, minors,
                                                    forms whose publicity_days is 0)
    退回补正 → 入户调查 (investigate again) or → 已上报 (corrected and sent again)
    公示 → 入户调查      a valid objection: investigate again, then a new 公示 (特困, and forms
                        without a rule saying otherwise) or a new 初审意见 sent up (低保, §19)
    草稿 → 不予受理; 已受理 … 退回补正 → 终止 / 撤回   (the ways out, with a written reason)

审核中/已批准/不予批准/退回补正 are set by reviewers on the city server and reach the desk by
sync; the village moves a case only along the other arrows. Leaving 入户调查 is the village's
初审. Every check answers with :class:`FieldError`\\ s naming the form field concerned, so the
editor can show the message at the field.

Plain Python: the facts about one case come in as :class:`CaseFacts`, the form definition and
the holiday calendar are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from jydesk.domain.approval import confirmer
from jydesk.domain.case_deadlines import (
    DUE_SOON_WORKING_DAYS,
    TIME_LIMITS,
    Deadline,
    DeadlineState,
    TimeLimit,
    deadline,
    deadline_state,
    deadline_text,
    extension_limit,
    relief_first,
    running_limit,
)
from jydesk.domain.case_facts import CaseFacts
from jydesk.domain.entities import SERVER_STATUSES, CaseStatus
from jydesk.domain.errors import FieldError
from jydesk.domain.idnumber import age_on
from jydesk.domain.idnumber import parse as parse_id

if TYPE_CHECKING:
    from jydesk.domain.forms import FormDefinition

__all__ = ["DUE_SOON_WORKING_DAYS", "TIME_LIMITS", "CaseFacts", "Deadline", "DeadlineState", "TimeLimit",
           "Transition", "TransitionRefused", "allowed_targets", "deadline", "deadline_state", "deadline_text",
           "extension_limit", "plan_transition", "publicity_days", "reachable_targets", "running_limit"]

S = CaseStatus

# Form value keys the workflow reads (the form definitions name them so).
APPLIED_ON = "applied_on"
INVESTIGATORS = ("investigator_1", "investigator_2")
INVESTIGATED_ON = "investigated_on"
PUBLICITY_START = "publicity_start"
PUBLICITY_END = "publicity_end"
PUBLICITY_OBJECTION = "publicity_objection"
OBJECTION_HANDLING = "objection_handling"
OBJECTION_YES = "有异议"

# Form codes never publicised (事实无人抚养儿童: 民发〔2019〕62号, child privacy).
NO_PUBLICITY_FORMS = frozenset({"wuren"})

# Statuses in which the clerk may still edit the village's part of the form.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.ACCEPTED, S.INVESTIGATING, S.PUBLICITY, S.RETURNED})
# The ways out the desk records, each with a written reason and a 告知书 for the applicant.
EXIT_STATUSES = frozenset({S.NOT_ACCEPTED, S.TERMINATED, S.WITHDRAWN})
# Statuses in which the application is closed (decided by the reviewers, or ended at the desk).
FINAL_STATUSES = frozenset({S.APPROVED, S.REFUSED, *EXIT_STATUSES})
# Forms whose rules, after a valid objection and re-investigation, want a new 初审意见 sent up
# but no second 公示 (others publicise again: 特困 §14 and where no rule was found).
NO_REPUBLICITY = {
    "dibao": "《最低生活保障审核确认办法》（2021）第十九条：公示有异议的，重新调查或民主评议后重新提出初审意见",
}
REPUBLICITY_SOURCE = "《特困人员认定办法》（2021）：对公示有异议的，15个工作日内重新调查核实，并重新公示"

#: The label of 公示 → 入户调查 (an objection found valid).
OBJECTION_LABEL = "异议成立，重新调查…"

ACTION_LABELS: dict[CaseStatus, str] = {
    S.ACCEPTED: "受理",
    S.INVESTIGATING: "开始入户调查",
    S.PUBLICITY: "初审通过，开始公示",
    S.SUBMITTED: "上报审核",
    S.NOT_ACCEPTED: "不予受理…",
    S.TERMINATED: "终止办理…",
    S.WITHDRAWN: "申请人撤回…",
}
#: Why each way out exists (shown as the reason's hint, printed on the 告知书).
EXIT_RULES: dict[CaseStatus, str] = {
    S.NOT_ACCEPTED: "不符合申请条件或不属本乡镇（街道）受理的，书面告知申请人并说明理由",
    S.TERMINATED: "申请人无正当理由拒不配合调查等，终止审核确认程序（《最低生活保障审核确认办法》第二十九条）",
    S.WITHDRAWN: "申请人主动撤回申请",
}


@dataclass(frozen=True, slots=True)
class Transition:
    """The result of a permitted move: the new status and the case dates/values it sets."""

    target: CaseStatus
    columns: dict[str, Any]  # accepted_on / publicity_* / submitted_on / close_reason / objection_rounds
    values: dict[str, Any]  # form values the move fills in (ISO dates); None: the value is cleared
    note: str


class TransitionRefused(ValueError):
    """The move is not allowed now; ``errors`` say why, each at its field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("；".join(e.message for e in errors))


# ------------------------------------------------------------------ small helpers


def as_date(value: Any) -> date | None:
    """A date from a date or an ISO string; None for blank or unreadable input."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def applicant_age(values: Mapping[str, Any], on: date) -> int | None:
    """The applicant's age on ``on`` from the form's ID number (or birth date); None if unknown."""
    number = values.get("applicant_id_number")
    if number:
        try:
            return parse_id(str(number)).age_on(on)
        except ValueError:
            pass
    birth = as_date(values.get("applicant_birth"))
    return age_on(birth, on) if birth else None


def publicity_days(form_code: str, defn_publicity_days: int, values: Mapping[str, Any],
                   applied_on: date | None) -> int:
    """Days of 公示 for this case: the form definition's ``publicity_days`` (0: not publicised).

    先行救助 (急难型 临时救助 with the box ticked) skips 公示: the 乡镇 may pay directly and
    complete the paperwork afterwards (民发〔2018〕23号 §二(二)). Minors are not exempt in general: the 2021 特困 and 低保 rules have no such exemption;
    only 事实无人抚养儿童 is never publicised (民发〔2019〕62号, child privacy), which its
    definition says with ``publicity_days = 0``.
    """
    if defn_publicity_days <= 0 or form_code in NO_PUBLICITY_FORMS:
        return 0
    if relief_first(form_code, values):  # 先行救助: paid before 公示, which may be skipped (民发〔2018〕23号)
        return 0
    return defn_publicity_days


def allowed_targets(facts: CaseFacts, days_of_publicity: int) -> list[CaseStatus]:
    """The statuses the village may move the case to from where it is now (ways out last)."""
    status = facts.status
    out = [S.TERMINATED, S.WITHDRAWN]
    if status is S.DRAFT:
        return [S.ACCEPTED, S.NOT_ACCEPTED]
    if status is S.ACCEPTED:
        return [S.INVESTIGATING, *out]
    if status is S.INVESTIGATING:
        if not days_of_publicity:
            return [S.SUBMITTED, *out]
        if facts.objection_rounds and facts.form_code in NO_REPUBLICITY:
            return [S.PUBLICITY, S.SUBMITTED, *out]
        return [S.PUBLICITY, *out]
    if status is S.PUBLICITY:
        return [S.SUBMITTED, S.INVESTIGATING, *out]
    if status is S.RETURNED:
        return [S.INVESTIGATING, S.SUBMITTED, *out]
    return []  # 已上报, the reviewers' statuses and the ways out: the next move is not the village's


def reachable_targets(facts: CaseFacts, days_of_publicity: int) -> list[CaseStatus]:
    """Every status the village can reach from the current one in one or more of its own moves.

    Offline, a clerk may 受理 and start 入户调查 before the next sync, and the outbox then
    carries only the latest status: a server checking a pushed status should accept any of
    these (the CaseEvent rows record each step).
    """
    seen: list[CaseStatus] = []
    todo = [facts.status]
    while todo:
        current = todo.pop()
        step = CaseFacts(facts.form_code, current, objection_rounds=1 if current is not facts.status
                         or facts.objection_rounds else 0)
        for target in allowed_targets(step, days_of_publicity):
            if target not in seen and target is not facts.status:
                seen.append(target)
                todo.append(target)
    return seen


# ------------------------------------------------------------------ preconditions


def _form_errors(defn: FormDefinition, values: Mapping[str, Any], what: str) -> list[FieldError]:
    errors = list(defn.validate(values))
    if errors:
        errors.insert(0, FieldError("", f"{what}前请先改正表中 {len(errors)} 处问题"))
    return errors


def _investigation_errors(defn: FormDefinition, values: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    keys = [k for k in INVESTIGATORS if defn.has_field(k)]
    if keys:
        names = [str(values.get(k) or "").strip() for k in keys]
        for key, name in zip(keys, names, strict=True):
            if not name:
                errors.append(FieldError(key, "入户调查须由两名及以上调查人进行，请填写调查人姓名", "required"))
        if len(keys) == 2 and all(names) and names[0] == names[1]:
            errors.append(FieldError(keys[1], "两名调查人不能是同一人", "invalid"))
    if defn.has_field(INVESTIGATED_ON) and _blank(values.get(INVESTIGATED_ON)):
        errors.append(FieldError(INVESTIGATED_ON, "请填写入户调查日期", "required"))
    return errors


def _publicity_window(values: Mapping[str, Any], facts: CaseFacts, days: int,
                      on: date) -> tuple[date, date, list[FieldError]]:
    start = as_date(values.get(PUBLICITY_START)) or facts.publicity_start or on
    end = as_date(values.get(PUBLICITY_END)) or facts.publicity_end or start + timedelta(days=days - 1)
    errors: list[FieldError] = []
    if (end - start).days + 1 < days:
        errors.append(FieldError(PUBLICITY_END, f"公示期不少于{days}天（{start:%Y-%m-%d} 起至少到 "
                                               f"{start + timedelta(days=days - 1):%Y-%m-%d}）", "invalid"))
    applied = facts.applied_on or as_date(values.get(APPLIED_ON))
    if applied and start < applied:
        errors.append(FieldError(PUBLICITY_START, "公示开始日期不能早于申请日期", "invalid"))
    return start, end, errors


def plan_transition(facts: CaseFacts, target: CaseStatus, defn: FormDefinition, on: date,
                    reason: str = "") -> Transition:
    """Check the move of ``facts`` to ``target`` on day ``on``; the dates and values it sets.

    ``reason``: the written reason of a way out (不予受理/终止/撤回) or the finding of an
    objection that sends the case back from 公示. Raises :class:`TransitionRefused` with every
    unmet precondition (Chinese, per field).
    """
    target = CaseStatus(target)
    values = dict(facts.values)
    if target in SERVER_STATUSES or target is S.RETURNED:
        raise TransitionRefused([FieldError("status", f"“{target}”只能由乡镇/市级审核人员设置，同步后自动更新")])
    days = publicity_days(facts.form_code, defn.publicity_days, values, facts.applied_on)
    allowed = allowed_targets(facts, days)
    if target not in allowed:
        if not allowed:
            why = f"申请当前为“{facts.status}”，村(社区)不能再变更状态"
        elif target is S.INVESTIGATING and facts.status is S.PUBLICITY:
            why = "公示异议经核实成立后才能退回重新调查"
        elif target is S.PUBLICITY and days == 0:
            why = "本申请不公示（事实无人抚养儿童），初审后直接上报"
        else:
            why = f"申请当前为“{facts.status}”，只能转为“{'”或“'.join(allowed)}”"
        raise TransitionRefused([FieldError("status", why)])

    columns: dict[str, Any] = {}
    set_values: dict[str, Any] = {}
    errors: list[FieldError] = []
    reason = (reason or "").strip()
    if target in EXIT_STATUSES:
        if not reason:
            raise TransitionRefused([FieldError("reason", f"请填写{target}的理由（将写入告知书）", "required")])
        return Transition(target, {"close_reason": reason}, {}, f"{target}：{reason}")
    if target is S.INVESTIGATING and facts.status is S.PUBLICITY:
        return _objection_upheld(facts, values, reason, days)
    if target is S.ACCEPTED:
        errors += _form_errors(defn, values, "受理")
        applied = facts.applied_on or as_date(values.get(APPLIED_ON))
        if applied and applied > on:
            errors.append(FieldError(APPLIED_ON, "申请日期不能晚于受理日期", "invalid"))
        columns["accepted_on"] = on
        note = "受理申请"
    elif target is S.INVESTIGATING:
        note = "开始入户调查" if facts.status is S.ACCEPTED else "退回补正后重新入户调查"
    elif target is S.PUBLICITY:
        errors += _investigation_errors(defn, values)
        errors += _form_errors(defn, values, "初审")
        start, end, window = _publicity_window(values, facts, days, on)
        errors += window
        columns.update(publicity_start=start, publicity_end=end)
        set_values.update({PUBLICITY_START: start.isoformat(), PUBLICITY_END: end.isoformat()})
        again = "重新调查后重新公示" if facts.objection_rounds else "初审通过，公示"
        note = f"{again} {start:%Y-%m-%d} 至 {end:%Y-%m-%d}" + (
            f"（公示{days}天：{defn.publicity_source}）" if defn.publicity_source else "")
    else:  # SUBMITTED
        if facts.status is S.INVESTIGATING:
            errors += _investigation_errors(defn, values)
            if facts.objection_rounds and days and _blank(values.get(OBJECTION_HANDLING)):
                errors.append(FieldError(OBJECTION_HANDLING, "公示异议经重新调查后，请填写异议处理情况", "required"))
        if facts.status is S.PUBLICITY or (facts.status is S.RETURNED and days):
            errors += _publicity_done_errors(values, facts, days, on)
        errors += _form_errors(defn, values, "上报")
        columns["submitted_on"] = on
        who = confirmer(facts.form_code, facts.approval)
        if relief_first(facts.form_code, values):
            who += "；先行救助已发放，事后补齐手续"
        note = (f"上报乡镇(街道)审核，由{who}审核确认" if facts.status is not S.RETURNED
                else f"补正后重新上报，由{who}审核确认")
    if errors:
        raise TransitionRefused(errors)
    return Transition(target, columns, set_values, note)


def _objection_upheld(facts: CaseFacts, values: Mapping[str, Any], reason: str, days: int) -> Transition:
    """公示 → 入户调查: an objection found valid; the 公示 starts again after re-investigation
    (or, where the rules want no second 公示, a new 初审意见 is sent up)."""
    errors: list[FieldError] = []
    if values.get(PUBLICITY_OBJECTION) != OBJECTION_YES:
        errors.append(FieldError(PUBLICITY_OBJECTION, "公示无异议时不能退回重新调查；如有异议请先在表中选择“有异议”",
                                 "invalid"))
    if not reason:
        errors.append(FieldError("reason", "请填写异议核实情况（异议成立的理由）", "required"))
    if errors:
        raise TransitionRefused(errors)
    rounds = facts.objection_rounds + 1
    columns: dict[str, Any] = {"objection_rounds": rounds, "publicity_start": None, "publicity_end": None}
    cleared = {PUBLICITY_START: None, PUBLICITY_END: None, PUBLICITY_OBJECTION: None, OBJECTION_HANDLING: reason}
    then = "重新提出初审意见后上报" if facts.form_code in NO_REPUBLICITY else "重新公示"
    return Transition(S.INVESTIGATING, columns, cleared,
                      f"公示异议经核实成立（第{rounds}次），重新入户调查后{then}：{reason}")


def _publicity_done_errors(values: Mapping[str, Any], facts: CaseFacts, days: int, on: date) -> list[FieldError]:
    errors: list[FieldError] = []
    start = as_date(values.get(PUBLICITY_START)) or facts.publicity_start
    end = as_date(values.get(PUBLICITY_END)) or facts.publicity_end
    if start is None:
        errors.append(FieldError(PUBLICITY_START, "请填写公示开始日期", "required"))
    if end is None:
        errors.append(FieldError(PUBLICITY_END, "请填写公示结束日期", "required"))
    if start and end:
        if (end - start).days + 1 < days:
            errors.append(FieldError(PUBLICITY_END, f"公示期不少于{days}天", "invalid"))
        elif on <= end:
            errors.append(FieldError(PUBLICITY_END, f"公示期至 {end:%Y-%m-%d} 结束，期满后才能上报", "invalid"))
    if _blank(values.get(PUBLICITY_OBJECTION)):
        errors.append(FieldError(PUBLICITY_OBJECTION, "请填写公示有无异议", "required"))
    elif values.get(PUBLICITY_OBJECTION) == OBJECTION_YES and _blank(values.get(OBJECTION_HANDLING)):
        errors.append(FieldError(OBJECTION_HANDLING, "公示有异议时，请填写异议处理情况", "required"))
    return errors


# ------------------------------------------------------------------ extension


EXTENSION_OPEN = frozenset({S.ACCEPTED, S.INVESTIGATING, S.PUBLICITY, S.RETURNED, S.SUBMITTED, S.REVIEWING})


def check_extension(facts: CaseFacts, days: int, reason: str) -> str:
    """Check an extension of the overall limit by ``days`` working days; the 办理记录 note.

    Only where the rules allow one (低保: to 45 working days in special cases — 公示有异议,
    人户分离, 异地申办, 调查难度大; 办法 §22). Raises :class:`TransitionRefused`."""
    limit = extension_limit(facts.form_code)
    if limit is None:
        raise TransitionRefused([FieldError("extension_days", "该类申请的办理时限没有可延长的规定")])
    if facts.status not in EXTENSION_OPEN:
        raise TransitionRefused([FieldError("extension_days", f"申请当前为“{facts.status}”，不能延长办理时限")])
    left = limit.extendable - max(facts.extension_days, 0)
    errors: list[FieldError] = []
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= left:
        errors.append(FieldError("extension_days", f"可延长 1 至 {left} 个工作日" if left > 0
                                 else "办理时限已延长至上限，不能再延长", "invalid"))
    if not (reason or "").strip():
        errors.append(FieldError("extension_reason", "请填写延长办理时限的理由", "required"))
    if errors:
        raise TransitionRefused(errors)
    return f"{limit.label}时限延长{days}个工作日：{reason.strip()}（{limit.source}）"


def reason_prompt(facts: CaseFacts, target: CaseStatus) -> str | None:
    """What the clerk must write to move to ``target`` (None: no reason needed)."""
    if target in EXIT_STATUSES:
        return f"{target}的理由（将写入告知书）。{EXIT_RULES[target]}"
    if target is S.INVESTIGATING and facts.status is S.PUBLICITY:
        then = "重新提出初审意见上报（或重新公示）" if facts.form_code in NO_REPUBLICITY else "重新公示"
        return f"公示异议经核实成立的情况（重新入户调查后{then}）"
    return None


def can_extend(facts: CaseFacts) -> bool:
    """Whether an extension of the overall limit may be recorded now."""
    limit = extension_limit(facts.form_code)
    return (limit is not None and facts.status in EXTENSION_OPEN
            and max(facts.extension_days, 0) < limit.extendable)
