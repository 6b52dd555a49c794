"""The workflow row of the application-form editor: the case's status and deadline, a print
button per companion form, and one button per transition ``jydesk.domain.casework`` allows now
(the rules are the domain's; this row only shows them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton

from jydesk.domain import casework
from jydesk.domain.entities import CaseStatus
from jydesk.domain.forms import FormDefinition
from jydesk.store.cases import CaseDetail
from jydesk.store.form_context import NOTICE_FORM
from jydesk.ui.cases.reason_dialog import ask_reason


class WorkflowBar:
    """``layout`` holds the status label, the deadline label, the companion-form print buttons
    and the transition buttons (``action_buttons``: target status -> button)."""

    def __init__(self) -> None:
        self.state = QLabel()
        self.state.setObjectName("editorState")
        self.deadline_label = QLabel()
        self.deadline_label.setObjectName("editorState")
        self.companion_buttons: list[QPushButton] = []
        self.action_row = QHBoxLayout()
        self.action_buttons: dict[CaseStatus, QPushButton] = {}
        self.extra_buttons: dict[str, QPushButton] = {}  # "extend", "notice"
        #: asks (title, prompt, max extension days) -> (reason, days) or None; tests replace it
        self.ask: Callable[[str, str, int], tuple[str, int] | None] = lambda t, p, d: ask_reason(
            self.state.window(), t, p, d)
        self.companion_row = QHBoxLayout()
        self.layout = QHBoxLayout()
        self.layout.addWidget(self.state)
        self.layout.addWidget(self.deadline_label, 1)
        self.layout.addLayout(self.companion_row)
        self.layout.addLayout(self.action_row)

    def set_companions(self, companions: Sequence[Any], on_print: Callable[[str], None]) -> None:
        """One 打印… button per companion form (``svc.companion_forms``) of the form shown."""
        for button in self.companion_buttons:
            button.deleteLater()
        self.companion_buttons = []
        for companion in companions:
            button = QPushButton(f"打印{companion.title}")
            button.clicked.connect(lambda _c=False, code=companion.code: on_print(code))
            self.companion_row.addWidget(button)
            self.companion_buttons.append(button)

    def show_deadline(self, case: CaseDetail, calendar: Any) -> None:
        """The deadline of the case's current step on the work ``calendar`` (公示 end date first
        while in 公示)."""
        today = date.today()
        dl = casework.deadline(case.facts, calendar)
        state = casework.deadline_state(dl.due if dl else None, today, calendar)
        text = casework.deadline_text(dl, today, calendar)
        if case.status is CaseStatus.PUBLICITY and case.publicity_end:
            text = f"公示至 {case.publicity_end:%Y-%m-%d}" + (f"；{text}" if text else "")
        self.deadline_label.setText(f"  {text}" + (f"  【{state}】" if state in (
            casework.DeadlineState.DUE_SOON, casework.DeadlineState.OVERDUE) else ""))

    def set_actions(self, case: CaseDetail, defn: FormDefinition, values: dict[str, Any],
                    on_move: Callable[[CaseStatus, str], Any], on_extend: Callable[[int, str], Any],
                    on_print: Callable[[str], None]) -> None:
        """The buttons of the transitions allowed from the case's status (``values``: the input
        now, for the 公示 days some forms compute from it); those that need a written reason
        ask for it first (``ask``). Also 延长时限… and, for a case that was not accepted,
        terminated or withdrawn, 打印告知书."""
        for button in [*self.action_buttons.values(), *self.extra_buttons.values()]:
            button.deleteLater()
        self.action_buttons = {}
        self.extra_buttons = {}
        facts = case.facts
        days = casework.publicity_days(case.form_code, defn.publicity_days, values, case.applied_on)
        for target in casework.allowed_targets(facts, days):
            label = casework.ACTION_LABELS.get(target, f"转为{target}")
            if target is CaseStatus.SUBMITTED and case.status is CaseStatus.INVESTIGATING:
                label = "初审通过，上报"
            if target is CaseStatus.INVESTIGATING and case.status is CaseStatus.PUBLICITY:
                label = casework.OBJECTION_LABEL
            button = QPushButton(label)
            button.setToolTip(f"把申请转为“{target}”")
            prompt = casework.reason_prompt(facts, target)
            button.clicked.connect(lambda _c=False, t=target, p=prompt: self._move(t, p, on_move))
            self.action_row.addWidget(button)
            self.action_buttons[target] = button
        if casework.can_extend(facts):
            limit = casework.extension_limit(case.form_code)
            assert limit is not None
            left = limit.extendable - case.extension_days
            button = QPushButton("延长时限…")
            button.setToolTip(limit.source)
            button.clicked.connect(lambda _c=False: self._extend(limit.source, left, on_extend))
            self.action_row.addWidget(button)
            self.extra_buttons["extend"] = button
        if case.status in casework.EXIT_STATUSES:
            button = QPushButton("打印告知书")
            button.clicked.connect(lambda _c=False: on_print(NOTICE_FORM))
            self.action_row.addWidget(button)
            self.extra_buttons["notice"] = button

    def _move(self, target: CaseStatus, prompt: str | None, on_move: Callable[[CaseStatus, str], Any]) -> None:
        if prompt is None:
            on_move(target, "")
            return
        answer = self.ask(str(target), prompt, 0)
        if answer is not None:
            on_move(target, answer[0])

    def _extend(self, source: str, left: int, on_extend: Callable[[int, str], Any]) -> None:
        answer = self.ask("延长办理时限", f"特殊情况可延长办理时限（{source}）", left)
        if answer is not None:
            on_extend(answer[1], answer[0])
