"""First start after the upgrade to encryption: the plain data file is encrypted in a worker
thread with progress, then the recovery key is shown once (``jydesk.store.encrypt_upgrade``)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from jydesk.ui.widgets import ask

log = logging.getLogger(__name__)
TITLE = "数据加密升级"


def encrypt_old_folder(data_dir: Path) -> bool:
    """Encrypt ``data_dir``'s plain database with a progress dialog; True when done."""
    from jydesk.store.encrypt_upgrade import encrypt_plain_folder

    dialog = QProgressDialog("本版本起数据文件加密保存。正在加密本机数据（只需一次，请勿关闭电脑）……", "", 0, 100)
    dialog.setCancelButton(None)
    dialog.setWindowTitle(TITLE)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0)
    state: dict[str, Any] = {"percent": 0, "text": ""}

    def progress(percent: int, text: str) -> None:
        state["percent"], state["text"] = percent, text

    def work() -> None:
        try:
            state["result"] = encrypt_plain_folder(data_dir, progress)
        except BaseException as exc:  # handed back to the GUI thread
            state["error"] = exc

    thread = threading.Thread(target=work, name="jydesk-encrypt", daemon=True)
    thread.start()
    loop = QEventLoop()
    timer = QTimer()

    def tick() -> None:
        dialog.setValue(state["percent"])
        if state["text"]:
            dialog.setLabelText(state["text"])
        if not thread.is_alive():
            loop.quit()

    timer.timeout.connect(tick)
    timer.start(50)
    loop.exec()
    timer.stop()
    dialog.close()
    if "error" in state:
        log.error("加密升级失败：%s", type(state["error"]).__name__)
        QMessageBox.critical(None, TITLE, f"数据加密没有完成，原数据文件未改动。\n{state['error']}")
        return False
    result = state["result"]
    ask.choose(None, TITLE, f"本机数据已加密，各专干仍用原来的密码登录。\n\n恢复密钥（只显示这一次）：\n\n{result.recovery_key}\n\n"
               "所有专干密码都遗失时，凭它才能打开本机数据。请抄写或拍照打印后交乡镇（街道）保管，不要存放在本机。",
               (("ok", "已妥善保存", ask.Role.AcceptRole),))
    return True
