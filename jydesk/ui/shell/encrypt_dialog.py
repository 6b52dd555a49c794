"""First start after the upgrade to encryption: the plain data file is encrypted in a worker
thread with progress, then the recovery key is shown once (``jydesk.store.encrypt_upgrade``)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from jydesk.ui.backup.progress import run_with_progress
from jydesk.ui.widgets import ask

log = logging.getLogger(__name__)
TITLE = "数据加密升级"


def encrypt_old_folder(data_dir: Path) -> bool:
    """Encrypt ``data_dir``'s plain database with a progress dialog; True when done."""
    from jydesk.store.encrypt_upgrade import encrypt_plain_folder

    try:
        result = run_with_progress(None, "本版本起数据文件加密保存。正在加密本机数据（只需一次，请勿关闭电脑）……",
                                   encrypt_plain_folder, data_dir, title=TITLE, reports=True)
    except Exception as exc:
        log.error("加密升级失败：%s", type(exc).__name__)
        QMessageBox.critical(None, TITLE, f"数据加密没有完成，原数据文件未改动。\n{exc}")
        return False
    ask.choose(None, TITLE, f"本机数据已加密，各专干仍用原来的密码登录。\n\n恢复密钥（只显示这一次）：\n\n{result.recovery_key}\n\n"
               "所有专干密码都遗失时，凭它才能打开本机数据。请抄写或拍照打印后交乡镇（街道）保管，不要存放在本机。",
               (("ok", "已妥善保存", ask.Role.AcceptRole),))
    return True
