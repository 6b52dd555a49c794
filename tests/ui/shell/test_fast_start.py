"""Start-up (docs/architecture.md § Start-up, start ≤ 0.6 s): the window paints its list from plain SQL before the ORM
is loaded; the ORM then loads in a worker and every panel is built and started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ..conftest import DEMO_USERNAME

_CHILD = r"""
import json, sys
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from jydesk.ui.shell.app import create_application
app = create_application()
from jydesk.store import Actor
from tests.keys import keyed
from jydesk.store.quick_reads import user_by_name
from jydesk.ui.shell.main_window import MainWindow

store = keyed(sys.argv[1])
window = MainWindow(store, Actor(*user_by_name(store, sys.argv[2])), username=sys.argv[2])
view = window.panels["list"].view

loop = QEventLoop()

class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            loop.quit()
        return False

painted = Painted()
view.viewport().installEventFilter(painted)
window.show()
loop.exec()
report = {"orm_before_paint": "sqlalchemy" in sys.modules, "built_before_paint": sorted(window.panels),
          "rows_painted": view.model().rowCount(),
          "first_name": view.model().index(0, 0).data()}
view.viewport().removeEventFilter(painted)
window.ready.connect(loop.quit)
loop.exec()
while len(window.panels) < len(window.panel_classes):  # the rest are built one per event-loop turn
    QTimer.singleShot(20, loop.quit)
    loop.exec()
report["built_after_ready"] = sorted(window.panels)
report["orm_after_ready"] = "sqlalchemy" in sys.modules
print(json.dumps(report, ensure_ascii=False), flush=True)
window.idle.stop()
window.ctx.workers.wait(10000)
store.close()
"""


def test_window_paints_before_the_orm_loads_then_builds_every_panel(demo_dir: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(demo_dir), DEMO_USERNAME], capture_output=True,
                         text=True, timeout=120, env=env, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["orm_before_paint"] is False  # nothing on the way to the first paint imports SQLAlchemy
    assert report["built_before_paint"] == ["detail", "list", "navigation"]  # what the default layout shows
    assert report["rows_painted"] > 0 and report["first_name"] not in ("", "…")  # the list shows real rows
    from jydesk.ui.shell.panels import PANELS

    assert report["built_after_ready"] == sorted(cls.panel_id for cls in PANELS)
    assert report["orm_after_ready"] is True
