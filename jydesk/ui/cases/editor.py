"""The application-form editor, generated from the form definition (forms/<code>.toml).

One widget per field type (``field_inputs``; the repeating members table in
``members_table``), prefilled values from the case, computed totals kept up to date as the
clerk types (with the 低保 standard in force on the application date shown beside 月人均收入),
inline validation at each field, the workflow buttons with their preconditions
(``workflow_bar``), the 办理记录 and the server-owned decision, read-only (``form_sections``).
The editor holds no rule: validation is the form definition's, the workflow is
``jydesk.domain.casework``'s, saving is ``jydesk.store.cases``'s.

Input that cannot be stored in its field's format (e.g. letters in a money field) stays in
the widget, is shown with its message and is kept in the local draft: nothing typed is lost.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain import casework
from jydesk.domain.casework import TransitionRefused
from jydesk.domain.entities import CaseStatus
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import FieldType, FilledBy, FormDefinition, get_definition
from jydesk.store import cases as svc
from jydesk.store import faults
from jydesk.store.cases import CaseDetail
from jydesk.ui.cases.field_inputs import FieldInput
from jydesk.ui.cases.form_sections import PER_CAPITA, add_sections, decision_box, events_text, show_decision
from jydesk.ui.cases.members_table import TableInput
from jydesk.ui.cases.workflow_bar import WorkflowBar
from jydesk.ui.shell.context import AppContext
from jydesk.ui.widgets.fields import ErrorLabel

log = logging.getLogger(__name__)

VALIDATE_DELAY_MS = 250
_CELL = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []



class CaseEditor(QWidget):
    """Edits one case. Signals: ``saved(case_id)``, ``moved(case_id, status)``, ``dirty_changed``,
    ``print_requested(case_id, companion_code)`` ("" = the application form itself)."""

    saved = Signal(str)
    moved = Signal(str, str)
    dirty_changed = Signal(bool)
    edited = Signal()
    print_requested = Signal(str, str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case: CaseDetail | None = None
        self.defn: FormDefinition | None = None
        self.inputs: dict[str, FieldInput] = {}
        self._baseline = ""
        self._dirty = False
        self._touched: set[str] = set()
        self._show_all = False
        self._sticky: list[FieldError] = []  # save/transition errors kept until the field is edited
        self._loading = False

        self.heading = QLabel()
        self.heading.setObjectName("editorHeading")
        self.workflow = WorkflowBar()
        self.state = self.workflow.state
        self.deadline_label = self.workflow.deadline_label
        self.banner = ErrorLabel()
        self.banner.setObjectName("formBanner")
        self.info = QLabel()
        self.info.setObjectName("derivedInfo")
        self.info.setWordWrap(True)
        self.info.hide()
        self.save_button = QPushButton("保存")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setToolTip("保存当前录入（Ctrl+S）；未填完也可随时保存")
        self.print_button = QPushButton("打印预览")
        self.standard_label: QLabel | None = None
        self.decision_labels: dict[str, QLabel] = {}

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.save_button)
        top.addWidget(self.print_button)

        self.form_holder = QWidget()
        self.form_layout = QVBoxLayout(self.form_holder)
        self.form_layout.setContentsMargins(0, 0, 6, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form_holder)
        self.scroll = scroll

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addLayout(self.workflow.layout)
        layout.addWidget(self.banner)
        layout.addWidget(self.info)
        layout.addWidget(scroll, 1)

        self.validate_timer = QTimer(self)
        self.validate_timer.setSingleShot(True)
        self.validate_timer.setInterval(VALIDATE_DELAY_MS)
        self.validate_timer.timeout.connect(self.refresh)
        self.save_button.clicked.connect(self.save)
        self.print_button.clicked.connect(lambda: self._request_print(""))

    @property
    def action_buttons(self) -> dict[CaseStatus, QPushButton]:
        """The workflow buttons shown now: target status -> button."""
        return self.workflow.action_buttons

    # ---- building from the definition ----

    def _build(self, defn: FormDefinition) -> None:
        while self.form_layout.count():
            item = self.form_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.inputs, self.standard_label = add_sections(self.form_layout, defn, self._field_edited)
        self.decision_box, self.decision_labels = decision_box()
        self.form_layout.addWidget(self.decision_box)
        self.events_box = QGroupBox("办理记录")
        self.events_label = QLabel()
        self.events_label.setWordWrap(True)
        self.events_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(self.events_box).addWidget(self.events_label)
        self.form_layout.addWidget(self.events_box)
        self.form_layout.addStretch(1)
        self.workflow.set_companions(svc.companion_forms(defn.code), self._request_print)

    # ---- loading ----

    def open_case(self, case_id: str, overlay: dict[str, Any] | None = None) -> None:
        """Show the stored case; ``overlay`` (a draft's raw values) replaces stored values."""
        case = svc.load_case(self.ctx.store, case_id)
        defn = get_definition(case.form_code, case.form_version)
        if self.defn is not defn:
            self._build(defn)
        self.defn, self.case = defn, case
        self._loading = True
        try:
            for key, widget in self.inputs.items():
                widget.set_value(case.values.get(key))
        finally:
            self._loading = False
        self._touched = set()
        self._sticky = []
        self._show_all = False
        self.banner.show_message(None)
        self._apply_state()
        self.refresh()
        self._baseline = self._snapshot()
        if overlay:
            self._loading = True
            try:
                for key, value in overlay.items():
                    if key in self.inputs:
                        self.inputs[key].set_value(value)
            finally:
                self._loading = False
            self._touched = {k for k in overlay if k in self.inputs}
            self.refresh()
        self._set_dirty(self._snapshot() != self._baseline)
        self.scroll.verticalScrollBar().setValue(0)

    def _apply_state(self) -> None:
        case, defn = self.case, self.defn
        assert case is not None and defn is not None
        self.heading.setText(f"{defn.title} · {case.applicant_name or '（未填申请人）'}")
        self.state.setText(f"状态：{case.status}")
        self.workflow.show_deadline(case, svc.work_calendar(self.ctx.store))
        editable = case.editable
        for key, widget in self.inputs.items():
            spec = defn.field(key)
            computed = spec.compute is not None and spec.type is not FieldType.TABLE
            widget.set_read_only(not editable or spec.filled_by is not FilledBy.VILLAGE or computed)
            if computed:
                widget.widget.setToolTip(f"自动计算：{spec.hint}" if spec.hint else "自动计算")
        self.save_button.setEnabled(editable)
        show_decision(self.decision_labels, case)
        self.events_label.setText(events_text(case))
        self.workflow.set_actions(case, defn, self.values(), self.move_to, self.extend, self._request_print)

    # ---- values ----

    def values(self) -> dict[str, Any]:
        """The raw input of every field (strings as typed, lists for tables/multiple choice)."""
        return {key: w.value() for key, w in self.inputs.items() if not _blank(w.value())}

    def _snapshot(self) -> str:
        return json.dumps(self.values(), sort_keys=True, ensure_ascii=False, default=str)

    def is_dirty(self) -> bool:
        return self._dirty

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
        self.state.setProperty("dirty", dirty)
        if self.case is not None:
            self.state.setText(f"状态：{self.case.status}" + ("（有未保存的修改）" if dirty else ""))

    def _field_edited(self, key: str) -> None:
        if self._loading:
            return
        self._touched.add(key)
        self._sticky = [e for e in self._sticky if _top(e.field) != key]
        self._set_dirty(self._snapshot() != self._baseline)
        self.validate_timer.start()
        self.edited.emit()

    # ---- computed values, standard, validation ----

    def refresh(self) -> None:
        """Recompute computed fields and the standard note, and show validation at the fields."""
        if self.defn is None or self.case is None:
            return
        defn = self.defn
        values = self.values()
        self._loading = True
        try:
            for key, value in defn.computed(values).items():
                widget = self.inputs.get(key)
                if widget is not None and widget.read_only and defn.field(key).filled_by is FilledBy.VILLAGE:
                    widget.set_value(value)
        finally:
            self._loading = False
        self._update_standard()
        errors = defn.validate(self.values())
        if not self._show_all:
            errors = [e for e in errors if _top(e.field) in self._touched and e.code != "unknown"]
        self.show_errors(errors + [e for e in self._sticky if e not in errors])

    def _update_standard(self) -> None:
        if self.standard_label is None or self.case is None:
            return
        applied = casework.as_date(self.inputs["applied_on"].value()) if "applied_on" in self.inputs else None
        on = applied or self.case.applied_on or date.today()
        standard = svc.case_standard(self.ctx.store, self.case.form_code, on)
        if standard is None:
            self.standard_label.setText("未找到申请日期适用的低保标准，请在标准表中补充")
            return
        text = f"低保标准（{on:%Y-%m-%d} 适用）：{standard.label}"
        try:
            income = Decimal(str(self.inputs[PER_CAPITA].value() or ""))
        except (InvalidOperation, KeyError):
            income = None
        if income is not None:
            gap = standard.amount - income
            text += f"；月人均收入{'低于' if gap > 0 else '不低于'}标准" + (f" {gap:.2f} 元" if gap > 0 else "")
        self.standard_label.setText(text)

    def show_errors(self, errors: list[FieldError]) -> None:
        """Put each message at its field (table cells marked); the rest in the banner."""
        by_field: dict[str, list[str]] = {}
        cells: dict[str, dict[tuple[int, str], str]] = {}
        general: list[str] = []
        for e in errors:
            m = _CELL.match(e.field)
            if m and m.group(1) in self.inputs:
                cells.setdefault(m.group(1), {})[(int(m.group(2)), m.group(3))] = e.message
                by_field.setdefault(m.group(1), []).append(e.message)
            elif _top(e.field) in self.inputs:
                by_field.setdefault(_top(e.field), []).append(e.message)
            else:
                general.append(e.message)
        for key, widget in self.inputs.items():
            messages = by_field.get(key)
            widget.set_error("；".join(dict.fromkeys(messages)) if messages else None)
            if isinstance(widget, TableInput):
                widget.set_cell_errors(cells.get(key, {}))
        self.banner.show_message("；".join(dict.fromkeys(general)) if general else None)

    def field_error(self, key: str) -> str:
        """The message shown at field ``key`` ("" if none) — for tests and accessibility."""
        widget = self.inputs.get(key)
        return widget.box.error.text() if widget is not None and not widget.box.error.isHidden() else ""

    # ---- saving and moving ----

    def save(self) -> bool:
        """Store the input (never refused for being incomplete). False if something was not stored."""
        if self.case is None:
            return True
        try:
            with faults.saving():
                errors = svc.save_values(self.ctx.store, self.ctx.actor, self.case.id, self.values())
        except ValidationError as exc:
            self.banner.show_message(exc.message)
            return False
        case_id = self.case.id
        if errors:
            # The unreadable input stays in its widget (and in the draft) with its message.
            self.case = svc.load_case(self.ctx.store, case_id)
            self._sticky = errors
            self._touched |= {_top(e.field) for e in errors}
            self._apply_state()
            self.refresh()
            self._set_dirty(True)
            self.banner.show_message(f"其余内容已保存；有 {len(errors)} 项格式不正确未能保存，请按标红处改正（录入内容已保留）")
        else:
            self.open_case(case_id)  # shows the stored (normalised) values
            self.ctx.hub.status_message.emit("申请已保存")
        self.saved.emit(case_id)
        return not errors

    def move_to(self, target: CaseStatus, reason: str = "") -> bool:
        """Save, then move the case to ``target`` (``reason``: of a way out or an upheld
        objection); refusals shown at the fields."""
        if self.case is None or self.defn is None:
            return False
        if self.is_dirty() and not self.save() and self._sticky:
            self._show_all = True
            self.refresh()
            self.banner.show_message("请先改正格式不正确的项目，再办理下一步")
            return False
        try:
            with faults.saving():
                self.case = svc.transition(self.ctx.store, self.ctx.actor, self.case.id, target, reason=reason)
        except ValidationError as exc:
            self.banner.show_message(exc.message)
            return False
        except TransitionRefused as exc:
            self._show_all = True
            self._sticky = exc.errors
            self.refresh()
            head = [e.message for e in exc.errors if not e.field or e.field == "status"]
            at_fields = len(exc.errors) - len(head)
            self.banner.show_message(f"不能转为“{target}”：" + "；".join(head or [f"有 {at_fields} 项需要补充或改正，见标红的项目"]))
            return False
        self._sticky = []
        self._show_all = False
        self.open_case(self.case.id)
        self.ctx.hub.status_message.emit(f"申请已转为“{target}”")
        self.moved.emit(self.case.id, target.value)
        return True

    def extend(self, days: int, reason: str) -> bool:
        """Record an extension of the time limit with its reason."""
        if self.case is None:
            return False
        try:
            with faults.saving():
                self.case = svc.extend_deadline(self.ctx.store, self.ctx.actor, self.case.id, days, reason)
        except TransitionRefused as exc:
            self.banner.show_message("不能延长办理时限：" + "；".join(e.message for e in exc.errors))
            return False
        self.open_case(self.case.id)
        self.ctx.hub.status_message.emit(f"办理时限已延长{days}个工作日")
        return True

    def _request_print(self, companion: str) -> None:
        if self.case is None:
            return
        if self.is_dirty():
            self.save()
        self.print_requested.emit(self.case.id, companion)


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]
