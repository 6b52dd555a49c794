"""``jydesk restore FILE``: replace the database with a backup (checked first; the replaced
database is kept in the data folder's ``backups/``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from jydesk.cli import CommandError
from jydesk.cli.login import add_login_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("restore", help="用备份文件恢复数据库（原数据库会另行保留）")
    p.add_argument("file", type=Path, help="备份文件")
    p.add_argument("--other-village", action="store_true", help="允许恢复属于另一个村(社区)的备份")
    add_login_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from filelock import FileLock, Timeout

    from jydesk.cli.login import login_key
    from jydesk.store.connection import DatabaseFileError
    from jydesk.store.database import DB_FILENAME
    from jydesk.store.instance_lock import FolderInUseError, InstanceLock
    from jydesk.store.keyslots import backup_slots_path
    from jydesk.store.restore import RestoreError, restore

    # The backup's own key slots (a backup from another computer), else the data folder's.
    slots = backup_slots_path(args.file)
    key = login_key(args, slots if slots.is_file() else None)

    sync_lock = FileLock(str(args.data_dir / DB_FILENAME) + ".sync.lock", timeout=0, mode=0o600)  # no sync mid-restore
    try:
        with InstanceLock(args.data_dir, "命令 jydesk restore"), sync_lock:
            result = restore(args.data_dir, args.file, key, allow_other_village=args.other_village)
    except Timeout:
        raise CommandError("正在同步（jydesk sync），请等同步结束后再恢复") from None
    except (FolderInUseError, RestoreError, DatabaseFileError) as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"恢复失败：{exc.strerror or exc}（{exc.filename or args.data_dir}）") from None
    from jydesk.store.audit.events import COMMAND_LINE, record_in_folder

    facts = result.facts
    record_in_folder(args.data_dir, COMMAND_LINE, "restore", f"命令行用备份 {args.file} 恢复数据"
                     + (f"，原数据库保留为 {result.kept}" if result.kept else ""), key=key)
    print(f"已用备份 {args.file} 恢复数据库：{facts.village_name or '（未设置村(社区)）'}，{facts.people} 名在册人员")
    if result.kept is not None:
        print(f"原数据库已保留为 {result.kept}")
    print("下次同步时会重新上传备份之后未确认的修改，并从备份时的位置重新下载，服务器上的数据不会丢失或重复")
    return 0
