"""``jydesk backup -o FILE``: a checked copy of the database, consistent while the app writes."""

from __future__ import annotations

import argparse
from pathlib import Path

from jydesk.cli import CommandError
from jydesk.cli.login import add_login_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="备份数据库（程序运行时也可以备份；备份同样加密，旁边附带密钥文件 .keyslots.json）")
    p.add_argument("-o", "--output", required=True, type=Path,
                   help="备份文件路径，或一个文件夹（如U盘，文件名按日期自动生成）")
    add_login_arguments(p)
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
    from jydesk.cli.login import login_key, upgrade_if_plain

    upgrade_if_plain(args)
    key = login_key(args)
    try:
        target = backup_to(db, key, args.output)
    except DatabaseFileError as exc:
        raise CommandError(str(exc), 4) from None
    except OSError as exc:
        raise CommandError(f"无法写入备份 {args.output}：{exc.strerror or exc}") from None
    from jydesk.store.audit.events import COMMAND_LINE, record_in_folder

    record_in_folder(args.data_dir, COMMAND_LINE, "backup", f"命令行备份到 {target}", key=key)
    print(f"已备份到 {target}（{target.stat().st_size} 字节，已通过完整性检查）")
    return 0
