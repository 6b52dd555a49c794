"""``jydesk print-roll --month YYYY-MM [--benefit CODE] -o OUT.pdf``: the 在保对象 花名册 of a month;
``jydesk print-notice --month YYYY-MM [--mask] -o OUT.pdf``: the monthly 公布 for the village board."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from jydesk.cli import CommandError, write_output
from jydesk.cli.login import add_login_arguments

_MONTH = re.compile(r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$")
BENEFIT_CODES = ("dibao", "tekun", "canji", "gaoling", "wuren")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("print-roll", help="打印在保对象花名册（PDF，按审批结果）")
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="发放月份，如 2026-07")
    p.add_argument("--benefit", choices=BENEFIT_CODES, help="只打印一类保障（默认全部）")
    p.add_argument("-o", "--output", metavar="OUT.pdf", type=Path, required=True, help="输出的 PDF 文件")
    add_login_arguments(p)
    p.set_defaults(handler=lambda a: run(a, notice=False))
    p = sub.add_parser("print-notice", help="打印当月社会救助对象公布（PDF，张贴于村务公开栏）")
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="公布月份，如 2026-07")
    p.add_argument("--mask", action="store_true", help="姓名只显示姓（如 张＊＊）")
    p.add_argument("-o", "--output", metavar="OUT.pdf", type=Path, required=True, help="输出的 PDF 文件")
    add_login_arguments(p)
    p.set_defaults(handler=lambda a: run(a, notice=True))


def run(args: argparse.Namespace, *, notice: bool) -> int:
    if not _MONTH.match(args.month or ""):
        raise CommandError(f"月份“{args.month}”不正确，应写成 YYYY-MM，例如 2026-07")
    if not (args.data_dir / "jydesk.sqlite3").exists():
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库")
    from jydesk.cli.login import open_logged_in
    from jydesk.printing.recipients import render_notice, render_roll
    from jydesk.store import SYSTEM_ACTOR
    from jydesk.store.recipients.roll import notice_rows, paid_rows

    store = open_logged_in(args)
    try:
        village = store.village()
        name = village.name if village else ""
        if notice:
            rows = notice_rows(store, args.month)
            pdf = render_notice(rows, args.month, village_name=name, mask=args.mask)
            what = f"{args.month} 社会救助对象公布"
        else:
            rows = paid_rows(store, args.month, args.benefit)
            pdf = render_roll(rows, args.month, village_name=name, benefit=args.benefit)
            what = f"{args.month} 在保对象花名册"
        write_output(args.output, pdf)
        with store.write(SYSTEM_ACTOR) as w:
            w.audit("print", detail=f"命令行打印{what}（{len(rows)}条）；{args.output}")
    finally:
        store.close()
    print(f"已生成{what} {args.output}（{len(rows)}条）")
    return 0
