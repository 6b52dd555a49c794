"""Run file work (backup, check, restore) in a thread while a busy dialog keeps the GUI responsive."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

T = TypeVar("T")


def run_with_progress(parent: QWidget | None, text: str, fn: Callable[..., T], *args: Any,
                      title: str = "请稍候", reports: bool = False) -> T:
    """``fn(*args)`` in a thread; returns its value or raises its exception once it is done.

    With ``reports``, ``fn`` gets a last argument ``progress(percent, text)`` (callable from its
    thread) and the dialog shows the percentage and the latest text."""
    dialog = QProgressDialog(text, "", 0, 100 if reports else 0, parent)
    dialog.setCancelButton(None)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0 if reports else 300)
    outcome: dict[str, Any] = {}
    shown: dict[str, Any] = {"percent": 0, "text": ""}

    def progress(percent: int, label: str) -> None:
        shown["percent"], shown["text"] = percent, label

    def work() -> None:
        try:
            outcome["value"] = fn(*args, progress) if reports else fn(*args)
        except BaseException as exc:  # handed back to the GUI thread
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="jydesk-file-work", daemon=True)
    thread.start()
    loop = QEventLoop()
    timer = QTimer()

    def tick() -> None:
        if reports:
            dialog.setValue(shown["percent"])
            if shown["text"]:
                dialog.setLabelText(shown["text"])
        if not thread.is_alive():
            loop.quit()

    timer.timeout.connect(tick)
    timer.start(30)
    loop.exec()
    timer.stop()
    dialog.close()
    dialog.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
