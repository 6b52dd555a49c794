"""调整探访等级: a clerk overrides one person's visit tier, with a reason (audited)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from jydesk.domain.care import Tier
from jydesk.domain.errors import ValidationError
from jydesk.domain.visits import tier_label
from jydesk.store import faults
from jydesk.store import visits as visit_service
from jydesk.ui.shell.context import AppContext
from jydesk.ui.widgets.fields import ChoiceBox, ErrorLabel, FieldBox

RULE = ""  # "按规则" — no override
CHOICES = [(RULE, "按规则（不调整）")] + [(t.value, tier_label(t)) for t in (Tier.HIGH, Tier.FOCUS, Tier.GENERAL)] + [
    (Tier.NONE.value, "暂停探访（不在探访范围）")]


class VisitPlanDialog(QDialog):
    """Set or clear the override of one person's visit tier."""

    def __init__(self, ctx: AppContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.setObjectName("visitPlanDialog")
        self.setWindowTitle("调整探访等级")
        today = date.today()
        with ctx.store.read() as s:
            plan = visit_service.visit_plan(s, person_id, today)
        by_rule = plan.by_rule
        info = QLabel(f"{plan.name}　{plan.age if plan.age is not None else '—'}岁\n"
                      f"按规则：{tier_label(by_rule.tier)}（{by_rule.reason}）\n当前：{plan.label}")
        info.setObjectName("dialogSubtitle")
        self.tier_box = ChoiceBox(CHOICES, blank=None)
        self.tier_box.setObjectName("field-visit_tier_override")
        self.tier_box.set_value(plan.override or RULE)
        self.reason_edit = QLineEdit(plan.override_reason or "")
        self.reason_edit.setObjectName("field-visit_tier_override_reason")
        self.reason_edit.setMaxLength(200)
        self.reason_edit.setPlaceholderText("如：近期跌倒，子女外出务工")
        self.tier_field = FieldBox(self.tier_box)
        self.reason_field = FieldBox(self.reason_edit)
        self.banner = ErrorLabel(self)
        form = QFormLayout()
        form.addRow("探访等级", self.tier_field)
        form.addRow("调整理由", self.reason_field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.banner)
        layout.addWidget(buttons)
        self.tier_box.setFocus()

    def save(self) -> bool:
        tier = self.tier_box.value() or None
        self.tier_field.set_error(None)
        self.reason_field.set_error(None)
        try:
            with faults.saving():
                visit_service.set_plan_override(self.ctx.store, self.ctx.actor, self.person_id, tier,
                                                self.reason_edit.text())
        except ValidationError as exc:
            for error in exc.errors:
                target = {"visit_tier_override": self.tier_field,
                          "visit_tier_override_reason": self.reason_field}.get(error.field)
                if target is None:
                    self.banner.show_message(error.message)
                else:
                    target.set_error(error.message)
            return False
        self.ctx.hub.record_saved.emit("person", self.person_id)
        self.ctx.hub.outbox_changed.emit()
        self.accept()
        return True
