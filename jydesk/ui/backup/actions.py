"""文件 → 备份… (to a folder of the clerk's choice, e.g. a USB stick) and 文件 → 恢复… (from a
backup file: checked first, the current database kept, then the app closes to start afresh)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from jydesk.store.backup import backup_to, backups_dir
from jydesk.store.connection import DatabaseFileError
from jydesk.ui.backup.progress import run_with_progress
from jydesk.ui.widgets import ask

if TYPE_CHECKING:
    from jydesk.store.actor import Actor
    from jydesk.store.crypto import DataKey
    from jydesk.store.database import Store
    from jydesk.store.restore import RestoreResult

TITLE_BACKUP, TITLE_RESTORE = "备份数据", "恢复数据"
WARN = QMessageBox.Icon.Warning


def tell(parent: QWidget | None, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Information) -> None:
    """A message with one 确定 button (through ``ask.choose``, so tests can answer it)."""
    ask.choose(parent, title, text, (("ok", "确定", ask.Role.AcceptRole),), icon=icon)


def backup_to_folder(parent: QWidget, store: Store, folder: Path | None = None) -> Path | None:
    """Ask for a folder (unless given), copy the database there, say where. The path or None."""
    if folder is None:
        chosen = QFileDialog.getExistingDirectory(parent, "选择备份到的文件夹（如U盘）")
        if not chosen:
            return None
        folder = Path(chosen)
    try:
        target = run_with_progress(parent, "正在备份并检查……", backup_to, store.path, store.key, folder)
    except (DatabaseFileError, OSError) as exc:
        reason = str(exc) if isinstance(exc, DatabaseFileError) else f"无法写入 {folder}：{exc.strerror or exc}"
        tell(parent, TITLE_BACKUP, f"备份没有完成。\n{reason}", WARN)
        return None
    tell(parent, TITLE_BACKUP, f"已备份到：\n{target}\n\n备份已通过完整性检查。")
    return target


def restore_file(parent: QWidget | None, data_dir: Path, source: Path, key: DataKey) -> RestoreResult | None:
    """Check ``source``, ask, restore (the caller holds the folder's lock and has closed the store)."""
    from jydesk.store.restore import RestoreError, inspect_backup, restore

    try:
        facts = run_with_progress(parent, "正在检查备份文件……", inspect_backup, source, key)
    except RestoreError as exc:
        tell(parent, TITLE_RESTORE, str(exc), WARN)
        return None
    answer = ask.confirm(
        parent, TITLE_RESTORE,
        f"用备份文件\n{source}\n（{facts.village_name or '未设置村(社区)'}，{facts.people} 名在册人员）恢复数据？\n\n"
        f"现在的数据库会保留在 {backups_dir(data_dir)} 中。下次同步时，备份之后的修改会从市级平台重新下载。",
        yes="恢复")
    if not answer:
        return None
    try:
        return run_with_progress(parent, "正在恢复……", restore, data_dir, source, key)
    except (RestoreError, DatabaseFileError, OSError) as exc:
        tell(parent, TITLE_RESTORE, f"恢复没有完成，原数据库未改动。\n{exc}", WARN)
        return None


def ask_backup_file(parent: QWidget | None, data_dir: Path) -> Path | None:
    folder = backups_dir(data_dir)
    chosen, _ = QFileDialog.getOpenFileName(parent, "选择备份文件", str(folder if folder.is_dir() else data_dir),
                                            "jydesk 备份 (*.sqlite3);;所有文件 (*)")
    return Path(chosen) if chosen else None


def restore_in_running_app(window: QWidget, store: Store, unsaved: bool, source: Path | None = None,
                           actor: Actor | None = None) -> bool:
    """文件 → 恢复…: the app closes after a restore (every open list and editor shows old data)."""
    if unsaved:
        tell(window, TITLE_RESTORE, "还有未保存的修改，请先保存或放弃后再恢复。")
        return False
    source = source or ask_backup_file(window, store.data_dir)
    if source is None:
        return False
    store.close()
    result = restore_file(window, store.data_dir, source, store.key)
    if result is None:
        return False
    if actor is not None:  # written into the restored file: its log then says who restored it and from what
        from jydesk.store.audit.events import record_in_folder

        record_in_folder(store.data_dir, actor, "restore", f"用备份 {source} 恢复数据", key=store.key)
    kept = f"\n原数据库已保留为：\n{result.kept}" if result.kept else ""
    tell(window, TITLE_RESTORE, f"数据已恢复。{kept}\n\n程序现在关闭，请重新打开。")
    app = QApplication.instance()
    if app is not None:
        app.exit(0)
    return True
