"""The data file's health at start: a damaged or empty file is offered the newest good backup
(never replaced silently); after start, the full integrity check and the day's first backup run
in the background, and duplicate 身份证号 from before the unique index are listed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from jydesk.store.backup import BackupInfo, newest_good_backup
from jydesk.ui.backup.actions import WARN, ask_backup_file, restore_file, tell
from jydesk.ui.widgets import ask

if TYPE_CHECKING:
    from jydesk.store.crypto import DataKey
    from jydesk.store.database import Store

log = logging.getLogger(__name__)
TITLE = "数据文件"


def offer_restore(parent: QWidget | None, data_dir: Path, message: str, key: DataKey) -> bool:
    """Tell the clerk the data file cannot be used and offer the newest good backup (or another
    file). True once a backup has been restored (the caller opens the store again)."""
    best = newest_good_backup(data_dir, key)
    buttons = [("other", "选择其他备份文件…", ask.Role.ActionRole), ("quit", "退出", ask.Role.RejectRole)]
    if best is not None:
        informative = f"最近一份完好的备份：{best.label}\n{best.path}\n\n是否用它恢复？当前文件会保留在备份文件夹中。"
        buttons.insert(0, ("newest", "用这份备份恢复", ask.Role.AcceptRole))
    else:
        informative = "没有找到自动备份。如果U盘或别处有备份文件，可以选择它来恢复。"
    choice = ask.choose(parent, TITLE, message, buttons, default=buttons[0][0], icon=QMessageBox.Icon.Critical,
                        informative=informative)
    if choice == "newest" and best is not None:
        source: Path | None = best.path
    elif choice == "other":
        source = ask_backup_file(parent, data_dir)
    else:
        return False
    return source is not None and restore_file(parent, data_dir, source, key) is not None


def after_start(db_path: Path, key: DataKey) -> tuple[list[str], BackupInfo | None]:
    """(integrity problems, the day's backup if one was due and made) — run in a worker."""
    from jydesk.store.backup import daily_backup_due, make_backup
    from jydesk.store.integrity import integrity_problems

    problems = integrity_problems(db_path, key)
    if problems or not daily_backup_due(db_path.parent):
        return problems, None
    return [], make_backup(db_path, key)


def start_checks(window: QWidget, store: Store) -> None:
    """After the window is ready: the duplicates notice, then the background check and backup."""
    from jydesk.store.integrity import duplicates_message

    if store.duplicate_id_numbers:
        tell(window, "身份证号重复", duplicates_message(store.path, store.duplicate_id_numbers), WARN)
    job = window.ctx.workers.submit(after_start, store.path, store.key)  # type: ignore[attr-defined]
    job.signals.result.connect(lambda result: _checked(window, store, *result))
    job.signals.error.connect(lambda exc: _checked(window, store, [str(exc)], None))


def _checked(window: QWidget, store: Store, problems: list[str], made: BackupInfo | None) -> None:
    if made is not None:
        from jydesk.store.actor import SYSTEM_ACTOR
        from jydesk.store.audit.events import try_record_event

        try_record_event(store, SYSTEM_ACTOR, "backup", f"每日自动备份（{made.label}）到 {made.path}")
        window.statusBar().showMessage(f"已自动备份数据（{made.label}）", 8000)  # type: ignore[attr-defined]
    if not problems:
        return
    best = newest_good_backup(store.data_dir, store.key)
    offer = (f"最近一份完好的备份：{best.label}\n{best.path}\n可用“文件 → 恢复…”恢复。" if best is not None
             else "没有找到完好的自动备份；请尽快用“文件 → 备份…”另存一份，并联系技术支持。")
    log.error("数据文件完整性检查发现问题：%s", problems)
    tell(window, TITLE, f"数据文件 {store.path} 完整性检查发现问题（例如：{problems[0]}）。"
                                       f"文件未被改动，但其中部分数据可能已经损坏。\n\n{offer}", WARN)
