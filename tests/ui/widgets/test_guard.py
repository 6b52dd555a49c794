"""The app-wide guard: an exception that reaches a slot is logged and told in Chinese, the app goes on."""

from __future__ import annotations

import sqlite3
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from jydesk.ui.widgets import guard


def test_report_tells_a_storage_fault_with_what_to_do_and_anything_else_generically(qapp, monkeypatch, caplog):  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    full = sqlite3.OperationalError("database or disk is full")
    guard.report(type(full), full, None)
    bug = KeyError("x")
    guard.report(type(bug), bug, None)
    assert "磁盘空间不足" in shown[0] and "录入内容仍保留" in shown[0]
    assert "程序内部出错" in shown[1] and "KeyError" not in shown[1]
    assert sum("未处理的异常" in r.message for r in caplog.records) == 2


def test_installed_guard_keeps_the_event_loop_going(qapp, qtbot, monkeypatch):  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test (pytest-qt's hook)
    guard.install()
    ran: list[int] = []

    def failing_slot() -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    QTimer.singleShot(0, failing_slot)
    QTimer.singleShot(5, lambda: ran.append(1))
    qtbot.waitUntil(lambda: bool(ran) and bool(shown), timeout=2000)
    assert "只读" in shown[0]


def test_guarded_slot_reports_through_the_excepthook(monkeypatch):  # type: ignore[no-untyped-def]
    seen: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda _t, exc, _tb: seen.append(exc))

    @guard.guarded
    def slot(x: int) -> int:
        if x:
            raise ValueError("bad")
        return 7

    assert slot(0) == 7
    assert slot(1) is None and isinstance(seen[0], ValueError)


@pytest.fixture(autouse=True)
def _restore_thread_hook(monkeypatch):  # type: ignore[no-untyped-def]
    import threading

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
