"""``jydesk-server reference …``: reference data the city maintains for every device
(``sync.server.reference``): who confirms per town, holidays by year, 低保/特困 standards and
the weekly visit rule — import from CSV, set one record, list."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jydesk.domain.reference_data import KINDS
from sync.protocol.errors import ErrorCode
from sync.server.db import Database
from sync.server.errors import ServiceError

Opener = Callable[[argparse.Namespace], Database]


def add_reference_commands(sub: Any, common: argparse.ArgumentParser, database: Opener) -> None:
    """Register ``reference approval|import|set|list``; ``database`` opens the server database."""
    p = sub.add_parser("reference", help="设置下发给设备的参考数据")
    ref = p.add_subparsers(dest="action", metavar="类别", required=True)
    q = ref.add_parser("approval", parents=[common], help="设置乡镇(街道)的审核确认层级（县级或乡镇）")
    q.add_argument("--town", required=True, help="9位乡镇(街道)代码")
    q.add_argument("--level", required=True, choices=["乡镇", "县级"], help="由哪一级审核确认")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=lambda a: _approval(a, database(a)))
    q = ref.add_parser("import", parents=[common], help="从 CSV 导入节假日安排（按年整表替换）或保障标准")
    q.add_argument("--kind", required=True, choices=["holidays", "standard"])
    q.add_argument("file", help="CSV 文件（UTF-8）")
    q.add_argument("--source", default="", help="来源（文号），默认取 CSV 的 source 列")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=lambda a: _import(a, database))
    q = ref.add_parser("set", parents=[common], help="设置一条参考数据（值为文本或 JSON）")
    q.add_argument("--kind", required=True, choices=list(KINDS))
    q.add_argument("--key", required=True)
    q.add_argument("--value", required=True)
    q.add_argument("--source", default="")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=lambda a: _set(a, database(a)))
    q = ref.add_parser("list", parents=[common], help="列出已设置的参考数据")
    q.add_argument("--kind", choices=list(KINDS))
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=lambda a: _list(a, database(a)))


def _approval(args: argparse.Namespace, db: Database) -> int:
    from sync.server.reference import set_approval

    setting = set_approval(db, args.town, args.level)
    if args.json:
        print(json.dumps(setting.as_json(), ensure_ascii=False))
    else:
        print(f"乡镇(街道) {setting.key} 由{setting.value}审核确认（第{setting.version}版），设备下次同步时生效")
    return 0


def _import(args: argparse.Namespace, database: Opener) -> int:
    from sync.server.reference import import_csv

    try:
        text = Path(args.file).read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(ErrorCode.INVALID, 400, f"文件“{args.file}”不是 UTF-8 编码的 CSV", field="file") from None
    settings = import_csv(database(args), args.kind, text, args.source)
    if args.json:
        print(json.dumps([s.as_json() for s in settings], ensure_ascii=False))
        return 0
    for s in settings:
        print(f"{s.kind}\t{s.key}\t第{s.version}版\t{s.source}")
    print(f"已导入 {len(settings)} 条，设备下次同步时生效")
    return 0


def _set(args: argparse.Namespace, db: Database) -> int:
    from sync.server.reference import set_setting

    s = set_setting(db, args.kind, args.key, args.value, args.source)
    if args.json:
        print(json.dumps(s.as_json(), ensure_ascii=False))
    else:
        print(f"{s.kind}\t{s.key}\t{s.value}\t第{s.version}版，设备下次同步时生效")
    return 0


def _list(args: argparse.Namespace, db: Database) -> int:
    from sync.server.reference import list_settings

    settings = list_settings(db, args.kind)
    if args.json:
        print(json.dumps([s.as_json() for s in settings], ensure_ascii=False))
        return 0
    if not settings:
        print("尚未设置参考数据（各乡镇(街道)均由县级审核确认，节假日、标准和探访规则用程序自带的数据）")
    for s in settings:
        value = s.value if len(s.value) <= 60 else s.value[:57] + "…"
        print(f"{s.kind}\t{s.key}\t{value}\t第{s.version}版\t{s.updated_at:%Y-%m-%d %H:%M}\t{s.source}")
    return 0
