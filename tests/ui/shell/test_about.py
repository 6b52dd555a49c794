"""帮助 → 关于: the version, the data folder's schema revision, the form versions, the server and
本机编号 (the facts come from ``jydesk.about``; the dialog only shows them)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from jydesk.domain.forms import load_definitions
from jydesk.store.database import head_revision
from jydesk.store.installation import set_device_no
from jydesk.version import app_version
from sync.client import state


def test_the_about_dialog_shows_versions_server_and_device_number(main_window, demo_store, qtbot):  # type: ignore[no-untyped-def]
    text = main_window.about_box().text()
    assert f"<td>版本</td><td>&nbsp;&nbsp;{app_version()}</td>" in text
    assert f"<td>数据库结构</td><td>&nbsp;&nbsp;{head_revision()}</td>" in text
    for code, form in load_definitions().items():
        assert f"<td>表单 {code}</td><td>&nbsp;&nbsp;{form.title} 第{form.version}版" in text
    assert "尚未登记本机" in text

    state.write(demo_store, **{state.SERVER_URL: "https://sync.example.cn", state.DEVICE_ID: "d-1"})
    set_device_no(demo_store, 3)
    shown: list[str] = []

    def read_and_close() -> None:  # the menu action opens the dialog modally
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        shown.append(box.text())
        box.accept()

    QTimer.singleShot(0, read_and_close)
    main_window.act_about.trigger()
    assert "https://sync.example.cn" in shown[0] and "<td>本机编号</td><td>&nbsp;&nbsp;03</td>" in shown[0]
