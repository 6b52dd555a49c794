"""The facts about one case the workflow rules read (plain data, no rule)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jydesk.domain.approval import DEFAULT_LEVEL, ApprovalLevel
from jydesk.domain.entities import CaseStatus


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the workflow rules need to know about one case.

    ``approval``: who confirms in the case's town (the city's setting; 县级 if none arrived);
    ``extension_days``: working days the overall limit was extended by; ``objection_rounds``:
    valid 公示 objections that sent the case back to 入户调查; ``received_on``: when a reviewer
    recorded 已接收材料 on the server (the county's clock of 特困 and 事实无人抚养儿童 runs from it).
    """

    form_code: str
    status: CaseStatus
    values: Mapping[str, Any] = field(default_factory=dict)
    applied_on: date | None = None
    accepted_on: date | None = None
    publicity_start: date | None = None
    publicity_end: date | None = None
    submitted_on: date | None = None
    received_on: date | None = None  # 已接收材料: the town/county received the file (server-owned)
    approval: ApprovalLevel = DEFAULT_LEVEL
    extension_days: int = 0
    objection_rounds: int = 0
