"""The Qt binding must keep Python's reference to ``None`` intact.

PySide6 6.12.0 (and PySide6-QtAds 5.1.1.1, built only for it) returns ``None`` from every void
Qt method without taking a reference under Python 3.11 (where ``None`` is not immortal): after
a few thousand calls the process aborts with "Fatal Python error: none_dealloc". A clerk's
session makes that many calls in minutes, so pyproject.toml excludes those releases; this
test fails on any binding with the same fault.
"""

from __future__ import annotations

import sys

import PySide6QtAds as ads
import pytest
from PySide6.QtWidgets import QApplication, QMainWindow

CALLS = 2000


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_qt_calls_keep_the_reference_to_none(qapp: QApplication) -> None:
    window = QMainWindow()
    manager = ads.CDockManager(window)
    dock = ads.CDockWidget(manager, "面板")
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        window.update()  # QtWidgets
        QApplication.processEvents()  # QtCore
        dock.setWindowTitle("面板")  # qtads
    lost = before - sys.getrefcount(None)
    assert lost < CALLS // 2, f"{lost} references to None lost in {3 * CALLS} void Qt calls"
    window.deleteLater()
