"""``jydesk export-bundle -o FILE``: pending changes as one signed file for USB transfer."""

from __future__ import annotations

import argparse
from pathlib import Path

from jydesk.cli import CommandError
from jydesk.cli.login import add_login_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-bundle", help="把待同步的修改导出为同步包文件（用U盘交市民政局导入）")
    p.add_argument("-o", "--output", required=True, type=Path, help="同步包文件路径（建议以 .jybundle 结尾）")
    add_login_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.cli.login import open_logged_in
    from sync.client import SyncError, export_bundle

    if not (args.data_dir / "jydesk.sqlite3").exists():
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库")
    store = open_logged_in(args)
    try:
        result = export_bundle(store, args.output)
    except SyncError as exc:
        raise CommandError(exc.message) from None
    finally:
        store.close()
    print(f"已导出同步包 {result.path}：{result.batches} 批，{result.changes} 条修改，{result.size} 字节")
    return 0
