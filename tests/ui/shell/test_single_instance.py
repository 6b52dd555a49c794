"""One app per data folder: a second start (a real second process) finds the folder taken and
brings the first app's window to the front through the local socket."""

from __future__ import annotations

import os
import subprocess
import sys

from jydesk.ui.shell.single_instance import SingleInstance

SECOND = r"""
import sys
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from jydesk.ui.shell.single_instance import SingleInstance
second = SingleInstance(sys.argv[1])
print("claimed" if second.claim() else f"refused {second.message}")
print("notified" if second.notify_first() else "not notified", flush=True)
"""


def test_a_second_start_is_refused_and_raises_the_first(qtbot, app_styled, data_dir):
    first = SingleInstance(data_dir)
    assert first.claim()
    first.listen()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    try:
        with qtbot.waitSignal(first.activate_requested, timeout=30000):
            child = subprocess.Popen([sys.executable, "-c", SECOND, str(data_dir)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert "refused 数据文件夹" in out and "正在被另一个 jydesk 使用（程序窗口" in out
        assert "notified" in out.splitlines()[-1]
    finally:
        first.release()
    again = SingleInstance(data_dir)
    assert again.claim()  # released: the next start gets it
    again.release()
