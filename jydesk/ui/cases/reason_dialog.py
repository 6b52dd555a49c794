"""The small dialog that asks for a written reason (不予受理/终止/撤回, an upheld 公示 objection)
and, for an extension of the time limit, the number of working days."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)


class ReasonDialog(QDialog):
    """``prompt`` above a text box; with ``max_days`` also a 延长工作日 spin box."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None, *, max_days: int = 0) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(460, 240)
        note = QLabel(prompt)
        note.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("请填写理由")
        self.days = QSpinBox()
        self.days.setRange(1, max(max_days, 1))
        self.days.setValue(max(max_days, 1))
        self.days.setSuffix(" 个工作日")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(note)
        if max_days:
            form.addRow("延长", self.days)
        form.addRow("理由", self.text)
        form.addRow(buttons)

    def reason(self) -> str:
        return self.text.toPlainText().strip()


def ask_reason(parent: QWidget | None, title: str, prompt: str, max_days: int = 0) -> tuple[str, int] | None:
    """(reason, days) or None when cancelled."""
    dialog = ReasonDialog(title, prompt, parent, max_days=max_days)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.reason(), dialog.days.value() if max_days else 0
