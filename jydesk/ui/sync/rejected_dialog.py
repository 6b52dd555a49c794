"""修改后重发: a change the server sent back (被退回), its fields editable, the reasons beside them."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget


def parse_typed(text: str, original: Any) -> Any:
    """A value typed by the clerk, in the type the change had."""
    text = text.strip()
    if text in ("", "（空）"):
        return None
    if isinstance(original, bool):
        return text in ("是", "true", "True", "1")
    if isinstance(original, int):
        return int(text)
    if isinstance(original, list):
        return [part for part in text.replace(",", "、").split("、") if part]
    return text


class EditRejectedDialog(QDialog):
    """The fields of a rejected change, editable, with the server's reasons beside them."""

    def __init__(self, change: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from sync.client.labels import entity_label, field_label, show_value

        self.change = change
        self.setWindowTitle(f"修改被退回的{entity_label(change.entity)}记录")
        reasons = {e.get("field"): e.get("message", "") for e in change.errors}
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for name, value in sorted(change.fields.items()):
            if name in ("village_code", "deleted"):
                continue
            edit = QLineEdit("" if value is None else show_value(value))
            edit.setObjectName(f"edit-{name}")
            if name in reasons:
                edit.setToolTip(reasons[name])
                edit.setStyleSheet("border: 1px solid #b3261e;")
            self.edits[name] = edit
            form.addRow(field_label(name), edit)
        general = [m for f, m in reasons.items() if f not in self.edits]
        layout = QVBoxLayout(self)
        message = QLabel("服务器退回的原因：" + "；".join(reasons.values()))
        message.setWordWrap(True)
        layout.addWidget(message)
        if general:
            layout.addWidget(QLabel("；".join(general)))
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存并重发")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        """Only the fields the clerk changed (wire values); ValueError on a bad number."""
        out: dict[str, Any] = {}
        for name, edit in self.edits.items():
            original = self.change.fields.get(name)
            value = parse_typed(edit.text(), original)
            if value != original:
                out[name] = value
        return out
