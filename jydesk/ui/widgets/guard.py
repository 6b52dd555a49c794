"""No exception escapes a Qt slot unseen: it is logged and the clerk gets a Chinese message.

PySide hands an exception raised in a slot (or a timer callback, an event handler) to
``sys.excepthook`` and goes on with the event loop. :func:`install` makes that hook log the
traceback and show one message box — a storage fault (full disk, locked, read-only …) with
what to do, anything else as 程序内部出错 — so the app keeps working and the clerk knows.
Typed input stays in its widgets either way. Exceptions of background threads are logged.

``@guarded`` wraps a slot whose failure should be reported the same way but not propagate
(it calls ``sys.excepthook``: under pytest-qt that hook fails the test, so a bug is not hidden).
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import ParamSpec, TypeVar

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
TITLE = "简阳市民政专干业务系统"
_showing: list[bool] = []


def message_for(exc: BaseException) -> str:
    """What the clerk is told about an unexpected ``exc``."""
    from jydesk.store.faults import classify  # on failure only: not on the start-up path

    fault = classify(exc)
    if fault is not None:
        return f"操作未完成：{fault.message}。录入内容仍保留在窗口中。"
    return ("程序内部出错，刚才的操作未完成（详细情况已记入日志）。录入内容仍保留在窗口中，"
            "请保存后继续；如反复出现，请联系技术支持。")


def report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """The app's ``sys.excepthook``: log, then one message box at a time (never re-entered)."""
    if issubclass(exc_type, KeyboardInterrupt):
        return
    log.error("未处理的异常", exc_info=(exc_type, exc, tb))
    if _showing or threading.current_thread() is not threading.main_thread():
        return
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None:
        print(message_for(exc), file=sys.stderr)
        return
    _showing.append(True)
    try:
        QMessageBox.warning(QApplication.activeWindow(), TITLE, message_for(exc))
    finally:
        _showing.clear()


def _thread_report(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        log.error("后台线程 %s 出错", getattr(args.thread, "name", "?"),
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def install() -> None:
    """Route every uncaught exception of the app to :func:`report` (GUI) or the log (threads)."""
    sys.excepthook = report
    threading.excepthook = _thread_report


def guarded(slot: Callable[P, R]) -> Callable[P, R | None]:
    """A slot that reports (``sys.excepthook``) instead of raising; returns None on failure."""

    @functools.wraps(slot)
    def run(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return slot(*args, **kwargs)
        except Exception as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return None

    return run
