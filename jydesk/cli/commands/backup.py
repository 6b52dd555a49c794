"""``jydesk backup -o FILE``: a checked copy of the database, consistent while the app writes."""

from __future__ import annotations

import argparse
from pathlib import Path

from jydesk.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="备份数据库（程序运行时也可以备份）")
    p.add_argument("-o", "--output", required=True, type=Path,
                   help="备份文件路径，或一个文件夹（如U盘，文件名按日期自动生成）")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.store.backup import backup_to
    from jydesk.store.connection import DatabaseFileError
    from jydesk.store.database import DB_FILENAME

    db = args.data_dir / DB_FILENAME
    if not db.exists():
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库")
    if not args.output.is_dir() and not args.output.parent.is_dir():
        raise CommandError(f"文件夹 {args.output.parent} 不存在")
    try:
        target = backup_to(db, args.output)
    except DatabaseFileError as exc:
        raise CommandError(str(exc), 4) from None
    except OSError as exc:
        raise CommandError(f"无法写入备份 {args.output}：{exc.strerror or exc}") from None
    from jydesk.store.audit.events import COMMAND_LINE, record_in_folder

    record_in_folder(args.data_dir, COMMAND_LINE, "backup", f"命令行备份到 {target}")
    print(f"已备份到 {target}（{target.stat().st_size} 字节，已通过完整性检查）")
    return 0
