"""Statutory time limits of the case workflow, in working days, and the deadline of a case.

Sources: the national 2021 rules where they give the number, else the earlier practice; each
limit names its source. The overall 低保 limit is 30 working days from 受理, 20 when the town
confirms (审核确认 delegated), and may be extended by up to 15 (to 45) in special cases
(最低生活保障审核确认办法 §22). Forms without a limit found (临时救助 normal procedure, 高龄津贴)
have no deadline; 先行救助 has its own paperwork limit (``jydesk.domain.relief``).

The county's limit for 特困 and 事实无人抚养儿童 runs from when the town/county receives the
file (``received_on``, recorded by a reviewer on the city server as 已接收材料), not from the
village's 上报: until then the deadline reads 待上级接收 and is not running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from jydesk.domain.approval import ApprovalLevel, confirming_level
from jydesk.domain.case_facts import CaseFacts
from jydesk.domain.entities import CaseStatus
from jydesk.domain.workdays import WorkCalendar

S = CaseStatus
# A deadline this many working days away (or nearer) is 即将到期.
DUE_SOON_WORKING_DAYS = 3


class DeadlineState(StrEnum):
    NONE = "无时限"
    OK = "正常"
    DUE_SOON = "即将到期"
    OVERDUE = "已超期"


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A statutory limit in working days, running while the case is in one of ``statuses``.

    ``town_days``: the limit when the town confirms (None: the same); ``extendable``: the
    most working days an extension may add (0: none)."""

    label: str  # e.g. 初审
    statuses: frozenset[CaseStatus]
    start: str  # the case date the period runs from: accepted_on / submitted_on / received_on
    working_days: int
    source: str
    town_days: int | None = None
    extendable: int = 0

    def days(self, facts: CaseFacts) -> int:
        delegated = confirming_level(facts.form_code, facts.approval) is ApprovalLevel.TOWN
        base = self.town_days if delegated and self.town_days is not None else self.working_days
        return base + min(max(facts.extension_days, 0), self.extendable)


_VILLAGE = frozenset({S.ACCEPTED, S.INVESTIGATING})
_REVIEW = frozenset({S.SUBMITTED, S.REVIEWING})
_DIBAO = "《最低生活保障审核确认办法》（2021）"
_TEKUN = "《特困人员认定办法》（2021）"
_WUREN = "民发〔2019〕62号"

TIME_LIMITS: dict[str, tuple[TimeLimit, ...]] = {
    "dibao": (
        TimeLimit("初审", _VILLAGE, "accepted_on", 10, "初审10个工作日（沿用原流程；2021年办法只规定自受理起30个工作日的总时限）"),
        TimeLimit("审核确认", frozenset({S.PUBLICITY, *_REVIEW}), "accepted_on", 30,
                  f"{_DIBAO}第二十二条：自受理之日起30个工作日内完成审核确认，审核确认权限下放到乡镇（街道）的"
                  "20个工作日；特殊情况可延长至45个工作日", town_days=20, extendable=15),
    ),
    "tekun": (
        TimeLimit("调查初审", _VILLAGE, "accepted_on", 15, f"{_TEKUN}第十至十七条：乡镇（街道）15个工作日内提出初审意见"),
        TimeLimit("审核确认", _REVIEW, "received_on", 15,
                  f"{_TEKUN}第十至十七条：县级民政部门自收到乡镇（街道）报送材料之日起15个工作日内作出确认"),
    ),
    "canji": (
        TimeLimit("初审", _VILLAGE, "accepted_on", 10, "两项补贴县级实施办法：乡镇10个工作日内初审（未见四川原文）"),
    ),
    "wuren": (
        TimeLimit("查验", _VILLAGE, "accepted_on", 15, f"{_WUREN}第二部分：乡镇（街道）15个工作日内完成查验"),
        TimeLimit("确认", _REVIEW, "received_on", 15, f"{_WUREN}第二部分：县级民政部门自收到材料之日起15个工作日内完成确认"),
    ),
}


#: 临时救助 先行救助 (急难型): help first, paperwork completed afterwards. No national number
#: of days was found (民发〔2018〕23号 §二(二) says only "事后补充说明情况"); the limit below is the
#: 楚雄州 local example (RULES-2021 §3, S9) until the city sets its own.
RELIEF_FIRST_LIMIT = TimeLimit(
    "补齐手续", frozenset({S.ACCEPTED, S.INVESTIGATING, S.SUBMITTED, S.REVIEWING}), "accepted_on", 5,
    "民发〔2018〕23号：急难型先行救助，事后补齐手续；国家未规定天数，暂按地方示例（楚雄州）5个工作日")


def relief_first(form_code: str, values: object) -> bool:
    """Whether the case is 先行救助: a 临时救助 of 急难型 with the 先行救助 box ticked."""
    get = getattr(values, "get", None)
    return (form_code == "linshi" and get is not None and get("urgent") in (True, "true", "是")
            and get("hardship_type") == "急难型")


#: Shown instead of a due date while a limit that runs from receipt waits for it.
AWAITING_RECEIPT = "待上级接收"


@dataclass(frozen=True, slots=True)
class Deadline:
    """``due`` is None while the limit waits for its start event (``received_on``)."""

    label: str  # 初审 …
    due: date | None
    limit: TimeLimit
    #: Why the due date is only approximate (约): the period crosses a year whose holiday
    #: schedule is not known yet, counted as plain weekdays (may come out early). "" if exact.
    approximate: str = ""


def approximate_note(years: list[int]) -> str:
    """The note of a deadline counted over years without a holiday schedule."""
    if not years:
        return ""
    names = "、".join(f"{y}年" for y in years)
    return f"{names}节假日安排尚未公布或未收到，期限按周一至周五推算，可能偏早"


def running_limit(facts: CaseFacts) -> TimeLimit | None:
    """The time limit that runs for the case in its current status, if any."""
    if relief_first(facts.form_code, facts.values):
        return RELIEF_FIRST_LIMIT if facts.status in RELIEF_FIRST_LIMIT.statuses else None
    for limit in TIME_LIMITS.get(facts.form_code, ()):
        if facts.status in limit.statuses:
            return limit
    return None


def extension_limit(form_code: str) -> TimeLimit | None:
    """The limit of ``form_code`` an extension applies to (None: the rules allow none)."""
    return next((lim for lim in TIME_LIMITS.get(form_code, ()) if lim.extendable), None)


def deadline(facts: CaseFacts, calendar: WorkCalendar) -> Deadline | None:
    """The due date of the limit running now (None when none runs or its start is unknown; a
    Deadline without ``due`` when it runs from receipt and the file is not received yet)."""
    limit = running_limit(facts)
    if limit is None:
        return None
    start = getattr(facts, limit.start)
    if start is None:
        return Deadline(limit.label, None, limit) if limit.start == "received_on" else None
    due = calendar.add_working_days(start, limit.days(facts))
    return Deadline(limit.label, due, limit, approximate_note(calendar.missing_years(start, due)))


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
    if dl.due is None:
        return f"{dl.label} {AWAITING_RECEIPT}（时限未开始）"
    left = calendar.working_days_between(today, dl.due)
    if dl.approximate:
        return f"{dl.label} 约{dl.due:%Y-%m-%d}（{dl.approximate}）"
    if today > dl.due:
        return f"{dl.label} {dl.due:%Y-%m-%d}（已超期 {-left} 个工作日）" if left < 0 else \
            f"{dl.label} {dl.due:%Y-%m-%d}（已超期）"
    if left == 0:
        return f"{dl.label} {dl.due:%Y-%m-%d}（今天到期）"
    return f"{dl.label} {dl.due:%Y-%m-%d}（剩 {left} 个工作日）"
