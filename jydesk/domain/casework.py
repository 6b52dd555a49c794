"""The case workflow: statuses, allowed transitions, their preconditions, and time limits.

Workflow (REFERENCE.md, national rules)::

    草稿 → 已受理 → 入户调查 → 公示 → 已上报 → 审核中 → 已批准 / 不予批准 / 退回补正
                              └──────────→ 已上报   (no 公示: 事实无人抚养儿童, minors,
                                                    forms whose publicity_days is 0)
    退回补正 → 入户调查 (investigate again) or → 已上报 (corrected and sent again)

审核中/已批准/不予批准/退回补正 are set by reviewers on the city server and reach the desk by
sync; the village moves a case only along the other arrows. Leaving 入户调查 is the village's
初审. Every check answers with :class:`FieldError`\\ s naming the form field concerned, so the
editor can show the message at the field.

Plain Python: the facts about one case come in as :class:`CaseFacts`, the form definition and
the holiday calendar are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from jydesk.domain.entities import SERVER_STATUSES, CaseStatus
from jydesk.domain.errors import FieldError
from jydesk.domain.idnumber import age_on
from jydesk.domain.idnumber import parse as parse_id
from jydesk.domain.workdays import WorkCalendar

if TYPE_CHECKING:
    from jydesk.domain.forms import FormDefinition

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

# Form codes whose applicant is a child and never publicised (child privacy).
NO_PUBLICITY_FORMS = frozenset({"wuren"})
ADULT_AGE = 18
# A deadline this many working days away (or nearer) is 即将到期.
DUE_SOON_WORKING_DAYS = 3

# Statuses in which the clerk may still edit the village's part of the form.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.ACCEPTED, S.INVESTIGATING, S.PUBLICITY, S.RETURNED})
# Statuses in which the application is closed (decided by the reviewers).
FINAL_STATUSES = frozenset({S.APPROVED, S.REFUSED})

ACTION_LABELS: dict[CaseStatus, str] = {
    S.ACCEPTED: "受理",
    S.INVESTIGATING: "开始入户调查",
    S.PUBLICITY: "初审通过，开始公示",
    S.SUBMITTED: "上报审核",
}


class DeadlineState(StrEnum):
    NONE = "无时限"
    OK = "正常"
    DUE_SOON = "即将到期"
    OVERDUE = "已超期"


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A statutory limit in working days, running while the case is in one of ``statuses``."""

    label: str  # e.g. 初审
    statuses: frozenset[CaseStatus]
    start: str  # the case date the period runs from: accepted_on / submitted_on
    working_days: int
    source: str


def _limit(label: str, statuses: set[CaseStatus], start: str, days: int, source: str) -> TimeLimit:
    return TimeLimit(label, frozenset(statuses), start, days, source)


_VILLAGE = {S.ACCEPTED, S.INVESTIGATING}
_REVIEW = {S.SUBMITTED, S.REVIEWING}

# Time limits per form code, from REFERENCE.md (national rules; no Sichuan detail found).
# Forms not listed (临时救助, 高龄津贴: no published limit found) have no deadline.
TIME_LIMITS: dict[str, tuple[TimeLimit, ...]] = {
    "dibao": (
        _limit("初审", _VILLAGE, "accepted_on", 10, "最低生活保障审核确认办法：受理之日起10个工作日内完成初审"),
        _limit("审核确认", {S.PUBLICITY, *_REVIEW}, "accepted_on", 30,
               "最低生活保障审核确认办法：受理之日起30个工作日内审核确认（可延长15个工作日）"),
    ),
    "tekun": (
        _limit("调查初审", _VILLAGE, "accepted_on", 15, "民发〔2021〕43号：15个工作日内完成调查和初审"),
        _limit("确认", _REVIEW, "submitted_on", 10, "民发〔2021〕43号：10个工作日内确认"),
    ),
    "canji": (
        _limit("初审", _VILLAGE, "accepted_on", 10, "两项补贴：乡镇10个工作日内初审"),
    ),
    "wuren": (
        _limit("查验", _VILLAGE, "accepted_on", 10, "事实无人抚养儿童：街镇10个工作日内查验"),
        _limit("确认", _REVIEW, "submitted_on", 5, "事实无人抚养儿童：5个工作日内确认"),
    ),
}


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the workflow rules need to know about one case."""

    form_code: str
    status: CaseStatus
    values: Mapping[str, Any] = field(default_factory=dict)
    applied_on: date | None = None
    accepted_on: date | None = None
    publicity_start: date | None = None
    publicity_end: date | None = None
    submitted_on: date | None = None


@dataclass(frozen=True, slots=True)
class Deadline:
    label: str  # 初审 …
    due: date
    limit: TimeLimit


@dataclass(frozen=True, slots=True)
class Transition:
    """The result of a permitted move: the new status and the case dates/values it sets."""

    target: CaseStatus
    columns: dict[str, date]  # accepted_on / publicity_start / publicity_end / submitted_on
    values: dict[str, Any]  # form values the move fills in (ISO dates)
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
    """Days of 公示 for this case; 0 when it is not publicised (wuren, minors, no 公示 in the form)."""
    if defn_publicity_days <= 0 or form_code in NO_PUBLICITY_FORMS:
        return 0
    on = applied_on or as_date(values.get(APPLIED_ON)) or date.today()
    age = applicant_age(values, on)
    if age is not None and age < ADULT_AGE:
        return 0
    return defn_publicity_days


def allowed_targets(facts: CaseFacts, days_of_publicity: int) -> list[CaseStatus]:
    """The statuses the village may move the case to from where it is now."""
    status = facts.status
    if status is S.DRAFT:
        return [S.ACCEPTED]
    if status is S.ACCEPTED:
        return [S.INVESTIGATING]
    if status is S.INVESTIGATING:
        return [S.PUBLICITY] if days_of_publicity else [S.SUBMITTED]
    if status is S.PUBLICITY:
        return [S.SUBMITTED]
    if status is S.RETURNED:
        return [S.INVESTIGATING, S.SUBMITTED]
    return []  # 已上报 and the reviewers' statuses: the next move is the server's


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
        for target in allowed_targets(CaseFacts(facts.form_code, current), days_of_publicity):
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


def plan_transition(facts: CaseFacts, target: CaseStatus, defn: FormDefinition, on: date) -> Transition:
    """Check the move of ``facts`` to ``target`` on day ``on``; the dates and values it sets.

    Raises :class:`TransitionRefused` with every unmet precondition (Chinese, per field).
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
        elif target is S.PUBLICITY and days == 0:
            why = "本申请不公示（事实无人抚养儿童或未成年人），初审后直接上报"
        else:
            why = f"申请当前为“{facts.status}”，只能转为“{'”或“'.join(allowed)}”"
        raise TransitionRefused([FieldError("status", why)])

    columns: dict[str, date] = {}
    set_values: dict[str, Any] = {}
    errors: list[FieldError] = []
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
        note = f"初审通过，公示 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    else:  # SUBMITTED
        if facts.status is S.INVESTIGATING:
            errors += _investigation_errors(defn, values)
        if facts.status is S.PUBLICITY or (facts.status is S.RETURNED and days):
            errors += _publicity_done_errors(values, facts, days, on)
        errors += _form_errors(defn, values, "上报")
        columns["submitted_on"] = on
        note = "上报乡镇(街道)审核" if facts.status is not S.RETURNED else "补正后重新上报"
    if errors:
        raise TransitionRefused(errors)
    return Transition(target, columns, set_values, note)


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


# ------------------------------------------------------------------ deadlines


def running_limit(facts: CaseFacts) -> TimeLimit | None:
    """The time limit that runs for the case in its current status, if any."""
    for limit in TIME_LIMITS.get(facts.form_code, ()):
        if facts.status in limit.statuses:
            return limit
    return None


def deadline(facts: CaseFacts, calendar: WorkCalendar) -> Deadline | None:
    """The due date of the limit running now (None when none runs or its start is unknown)."""
    limit = running_limit(facts)
    if limit is None:
        return None
    start = getattr(facts, limit.start)
    if start is None:
        return None
    return Deadline(limit.label, calendar.add_working_days(start, limit.working_days), limit)


def deadline_state(due: date | None, today: date, calendar: WorkCalendar,
                   soon: int = DUE_SOON_WORKING_DAYS) -> DeadlineState:
    """已超期 after ``due``; 即将到期 when at most ``soon`` working days remain; else 正常."""
    if due is None:
        return DeadlineState.NONE
    if today > due:
        return DeadlineState.OVERDUE
    return DeadlineState.DUE_SOON if calendar.working_days_between(today, due) <= soon else DeadlineState.OK


def deadline_text(dl: Deadline | None, today: date, calendar: WorkCalendar) -> str:
    """A one-line description for lists: ``初审 2026-03-12（剩 2 个工作日）``."""
    if dl is None:
        return ""
    left = calendar.working_days_between(today, dl.due)
    if today > dl.due:
        return f"{dl.label} {dl.due:%Y-%m-%d}（已超期 {-left} 个工作日）" if left < 0 else \
            f"{dl.label} {dl.due:%Y-%m-%d}（已超期）"
    if left == 0:
        return f"{dl.label} {dl.due:%Y-%m-%d}（今天到期）"
    return f"{dl.label} {dl.due:%Y-%m-%d}（剩 {left} 个工作日）"
