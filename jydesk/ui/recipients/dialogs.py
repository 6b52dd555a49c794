"""Dialogs of the register: record a review or proof of life, propose a change, record a
death or a move out. Each calls one store service; a refused value shows its Chinese message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from jydesk.domain import benefits as b
from jydesk.domain.errors import ValidationError
from jydesk.ui.shell.context import AppContext

if TYPE_CHECKING:
    from collections.abc import Callable


def _today_edit() -> QDateEdit:
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMaximumDate(QDate.currentDate())
    return edit


class _ServiceDialog(QDialog):
    """A form whose 确定 runs ``save()``; a ValidationError is shown under the form."""

    def __init__(self, ctx: AppContext, title: str, subtitle: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result_value: Any = None
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        head = QLabel(subtitle)
        head.setObjectName("dialogSubtitle")
        head.setWordWrap(True)
        layout.addWidget(head)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> Any:
        raise NotImplementedError

    def _accept(self) -> None:
        try:
            self.result_value = self.save()
        except ValidationError as exc:
            self.error.setText("；".join(e.message for e in exc.errors))
            return
        self.accept()


class ReviewDialog(_ServiceDialog):
    """复核 or 生存认证 of one register row, on its form (forms/review.toml, forms/proof.toml)."""

    def __init__(self, ctx: AppContext, recipient_id: str, kind: str, who: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "生存认证" if kind == b.PROOF_KIND else "复核", f"{who}　{kind}", parent)
        self.recipient_id, self.kind = recipient_id, kind
        self.on = _today_edit()
        self.method = QComboBox()
        self.method.addItems(b.PROOF_METHODS if kind == b.PROOF_KIND else ("入户", "信息核对", "电话"))
        self.outcome = QComboBox()
        self.outcome.addItems(b.REVIEW_OUTCOMES)
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(70)
        self.form.addRow("日期", self.on)
        self.form.addRow("方式", self.method)
        self.form.addRow("结论", self.outcome)
        self.form.addRow("情况说明" if kind == b.PROOF_KIND else "处理建议", self.note)
        self.print_after = QCheckBox(f"保存后打印{'生存认证记录' if kind == b.PROOF_KIND else '复核表'}")
        self.form.addRow("", self.print_after)
        self.preview: Any = None

    def save(self) -> str:
        from jydesk.store.recipients.reviews import record_review

        values = {"reviewed_on": self.on.date().toString("yyyy-MM-dd"), "method": self.method.currentText(),
                  "outcome": self.outcome.currentText()}
        note = self.note.toPlainText().strip()
        if note:
            values["note" if self.kind == b.PROOF_KIND else "suggestion"] = note
        rid = record_review(self.ctx.store, self.ctx.actor, self.recipient_id, self.kind, values)
        self.ctx.hub.record_saved.emit("review", rid)
        if self.print_after.isChecked():
            self.show_print(rid)
        return rid

    def show_print(self, review_id: str) -> None:
        """The recorded review on its form, in the print preview (printed like the other forms)."""
        from jydesk.printing import render_form
        from jydesk.store.recipients.reviews import review_print_values
        from jydesk.ui.visits.printouts import PdfPreviewDialog

        defn, values = review_print_values(self.ctx.store, review_id)
        self.preview = PdfPreviewDialog(self.ctx, render_form(defn, values), defn.title, 1, self.parentWidget())
        self.preview.open()


class ChangeDialog(_ServiceDialog):
    """Propose 增发/减发/停发/暂停/恢复 of one register row (the city server decides it)."""

    def __init__(self, ctx: AppContext, recipient_id: str, who: str, amount: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "提出变更", f"{who}　现每月 {amount} 元；变更报乡镇(街道)审批后生效", parent)
        self.recipient_id = recipient_id
        self.kind = QComboBox()
        self.kind.addItems([k.value for k in b.ChangeKind])
        self.source = QComboBox()
        self.source.addItems([s.value for s in b.ChangeSource])
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("增发、减发时填写，元/月")
        self.taper = QSpinBox()
        self.taper.setRange(0, 24)
        self.taper.setSuffix(" 个月")
        self.taper.setSpecialValueText("不设渐退期")
        self.reason = QPlainTextEdit()
        self.reason.setFixedHeight(70)
        self.form.addRow("变更类别", self.kind)
        self.form.addRow("来源", self.source)
        self.form.addRow("拟调整金额", self.amount)
        self.form.addRow("渐退期", self.taper)
        self.form.addRow("变更理由", self.reason)

    def save(self) -> str:
        from jydesk.store.recipients.changes import propose_change

        cid = propose_change(self.ctx.store, self.ctx.actor, self.recipient_id, self.kind.currentText(),
                             self.reason.toPlainText(), source=self.source.currentText(),
                             proposed_amount=self.amount.text().strip() or None, taper_months=self.taper.value() or None)
        self.ctx.hub.record_saved.emit("benefit_change", cid)
        return cid


class LifeEventDialog(_ServiceDialog):
    """Record a death or a move out: every benefit of the person is proposed for stopping."""

    def __init__(self, ctx: AppContext, person_id: str, who: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "登记死亡或迁出", f"{who}：登记后其享受的各项保障将提出停发，探访和复核随之结束", parent)
        self.person_id = person_id
        self.kind = QComboBox()
        self.kind.addItems([k.value for k in b.LifeEventKind])
        self.on = _today_edit()
        self.source = QLineEdit()
        self.source.setPlaceholderText("如 死亡证明、火化证明、家属告知、户籍迁出证明")
        self.form.addRow("类别", self.kind)
        self.form.addRow("发生日期", self.on)
        self.form.addRow("信息来源", self.source)

    def save(self) -> Any:
        from jydesk.store.recipients.changes import record_life_event

        result = record_life_event(self.ctx.store, self.ctx.actor, self.person_id, self.kind.currentText(),
                                   self.on.date().toString("yyyy-MM-dd"), self.source.text())
        self.ctx.hub.record_saved.emit("life_event", result.event_id)
        return result


def run(dialog: QDialog, done: Callable[[Any], None] | None = None) -> Any:
    """Show ``dialog`` modally; the service's result when 确定 saved, else None."""
    if dialog.exec() == QDialog.DialogCode.Accepted:
        value = getattr(dialog, "result_value", None)
        if done is not None:
            done(value)
        return value
    return None


__all__ = ["ChangeDialog", "LifeEventDialog", "ReviewDialog", "run"]
