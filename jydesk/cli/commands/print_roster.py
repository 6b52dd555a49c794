"""``jydesk print-roster --week YYYY-Www -o OUT.pdf``: this week's visit roster (本周探访名单)."""

from __future__ import annotations

import argparse
from pathlib import Path

from jydesk.cli import CommandError, write_output
from jydesk.cli.login import add_login_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("print-roster", help="打印本周探访名单（PDF）")
    p.add_argument("--week", required=True, metavar="YYYY-Www", help="ISO 周次，如 2026-W20")
    p.add_argument("-o", "--output", metavar="OUT.pdf", type=Path, required=True, help="输出的 PDF 文件")
    p.add_argument("--clerk", default="", help="名单上署名的民政专干（可选）")
    add_login_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.cli.login import open_logged_in
    from jydesk.domain.errors import ValidationError
    from jydesk.domain.visits import IsoWeek
    from jydesk.printing import render_roster
    from jydesk.store import SYSTEM_ACTOR

    try:
        week = str(IsoWeek.parse(args.week))
    except ValidationError as exc:
        raise CommandError(exc.message) from None
    try:
        from jydesk.store.visits import due_roster, village_name
    except ImportError:
        raise CommandError("本版本尚未提供探访名单计算（jydesk.store.visits.due_roster）") from None
    if not (args.data_dir / "jydesk.sqlite3").exists():
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库")
    store = open_logged_in(args)
    try:
        with store.read() as s:
            rows = due_roster(s, week)
            village = village_name(s)
        pdf = render_roster(week, rows, village_name=village, clerk=args.clerk)
        write_output(args.output, pdf)
        with store.write(SYSTEM_ACTOR) as w:
            w.audit("print", detail=f"命令行打印本周探访名单 {week}（{len(rows)}人）；{args.output}")
    finally:
        store.close()
    print(f"已生成 {week} 探访名单 {args.output}（{len(rows)}人）")
    return 0
