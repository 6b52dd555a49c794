"""Screenshot of the main window with a demo village, for the docs.

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 python -m jydesk.ui.shell.screenshot docs/screenshot-main.png

Builds (or reuses) a demo village in a temporary folder unless ``--data-dir`` is given,
logs the demo clerk in, opens a household with several members and grabs the window.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def _wait(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="主窗口截图（演示数据）")
    parser.add_argument("output", type=Path)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--size", default="1440x900")
    args = parser.parse_args(argv)

    from sqlalchemy import func, select

    from jydesk.store import open_store
    from jydesk.store.accounts import authenticate
    from jydesk.store.demo import DEMO_PASSWORD, DEMO_USERNAME, generate, is_empty
    from jydesk.store.models import Person
    from jydesk.ui.shell.app import create_application

    _app = create_application()  # keep the application alive while the window exists
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="jydesk-shot-"))
    from jydesk.store.unlock import create_installation, folder_state, unlock_key

    if folder_state(data_dir) == "new":
        store = create_installation(data_dir).store
    else:
        store = open_store(data_dir, key=unlock_key(data_dir, DEMO_USERNAME, DEMO_PASSWORD))
    if is_empty(store):
        generate(store, args.households, seed=1)
    result = authenticate(store, DEMO_USERNAME, DEMO_PASSWORD)
    if not result.ok or result.actor is None:
        print(f"演示账号无法登录：{result.message}", file=sys.stderr)
        return 1
    from jydesk.ui.shell.main_window import MainWindow

    window = MainWindow(store, result.actor, username=DEMO_USERNAME)
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    _wait(300)
    with store.read() as s:
        household_id = s.execute(
            select(Person.household_id).where(Person.deleted.is_(False)).group_by(Person.household_id)
            .having(func.count() >= 4).order_by(Person.household_id).limit(1)).scalar_one()
    panel = window.panel("list")
    model = panel.model
    row = next((r for r in range(min(model.rowCount(), 200)) if model.row_object(r).id == household_id), 0)
    panel.view.selectRow(row)
    _wait(300)
    editor = window.panel("detail").editor
    editor.select_member(1)
    _wait(500)
    window.statusBar().clearMessage()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(args.output))
    window.idle.stop()
    window.ctx.workers.wait(5000)
    store.close()
    print(args.output if ok else "保存截图失败")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
