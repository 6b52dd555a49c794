"""Questions to the clerk with Chinese buttons. One place, so tests can answer them.

Call through the module (``ask.choose(...)``) — tests replace ``choose`` with a function
that returns the wanted key instead of opening a modal box.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QMessageBox, QWidget

Role = QMessageBox.ButtonRole
SAVE_DISCARD_CANCEL: tuple[tuple[str, str, Role], ...] = (
    ("save", "保存", Role.AcceptRole), ("discard", "不保存", Role.DestructiveRole), ("cancel", "取消", Role.RejectRole),
)


def choose(parent: QWidget | None, title: str, text: str, buttons: Sequence[tuple[str, str, Role]], *,
           default: str | None = None, icon: QMessageBox.Icon = QMessageBox.Icon.Question,
           informative: str = "") -> str:
    """Show a question; return the key of the button clicked (the reject button's key on Esc)."""
    box = QMessageBox(icon, title, text, parent=parent)
    if informative:
        box.setInformativeText(informative)
    made = {}
    for key, label, role in buttons:
        made[key] = box.addButton(label, role)
    if default in made:
        box.setDefaultButton(made[default])
    escape = next((key for key, _l, role in buttons if role == Role.RejectRole), buttons[-1][0])
    box.setEscapeButton(made[escape])
    box.exec()
    clicked = box.clickedButton()
    return next((key for key, button in made.items() if button is clicked), escape)


def confirm(parent: QWidget | None, title: str, text: str, *, yes: str = "确定", no: str = "取消") -> bool:
    return choose(parent, title, text, (("yes", yes, Role.AcceptRole), ("no", no, Role.RejectRole)),
                  default="no") == "yes"


def save_discard_cancel(parent: QWidget | None, text: str) -> str:
    """'save' / 'discard' / 'cancel' for unsaved input."""
    return choose(parent, "保存修改", text, SAVE_DISCARD_CANCEL, default="save")
