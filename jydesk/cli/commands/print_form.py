"""``jydesk print FORM (--case ID | --visit ID | --blank) -o OUT.pdf``: print a form to PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from jydesk.cli import CommandError, write_output
from jydesk.cli.login import add_login_arguments

if TYPE_CHECKING:
    from jydesk.domain.errors import FieldError
    from jydesk.store import Store
    from jydesk.store.form_context import PrintItem

MAX_WARNINGS = 8


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("print", help="把申请表或探访记录表打印为 PDF（可打印空白表）")
    p.add_argument("form", metavar="FORM", help="表单编码，如 dibao、dibao-auth、tekun、linshi、canji、gaoling、wuren、visit")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--case", metavar="ID", help="申请记录编号（打印该申请的表，或随该申请打印的附表）")
    source.add_argument("--visit", metavar="ID", help="探访记录编号")
    source.add_argument("--blank", action="store_true", help="打印空白表，供纸质填写")
    p.add_argument("-o", "--output", metavar="OUT.pdf", type=Path, required=True, help="输出的 PDF 文件")
    add_login_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.domain.errors import ValidationError
    from jydesk.domain.forms import DefinitionError, get_definition
    from jydesk.printing.forms import render_pages

    try:
        defn = get_definition(args.form)
    except DefinitionError as exc:
        raise CommandError(str(exc)) from None
    if args.blank:
        pdf, pages = render_pages([(defn, None, "")])
        write_output(args.output, pdf)
        print(f"已生成空白“{defn.title}” {args.output}（{pages}页）")
        return 0
    if args.visit and defn.case_type:
        raise CommandError(f"“{defn.title}”是申请表，请用 --case 指定申请记录")
    if args.case and defn.code == "visit":
        raise CommandError("探访记录表请用 --visit 指定探访记录")
    store = _open(args)
    try:
        from jydesk.store.form_context import case_print_item, visit_print_item

        try:
            item = case_print_item(store, args.case, defn.code) if args.case else visit_print_item(store, args.visit)
        except ValidationError as exc:
            raise CommandError(exc.message) from None
        pdf, pages = render_pages([item.as_batch_item()])
        write_output(args.output, pdf)
        _audit(store, item, pages, args.output)
    finally:
        store.close()
    _warn(item.definition.validate(item.values))
    print(f"已生成“{defn.title}”（编号 {item.number}）{args.output}（{pages}页）")
    return 0


def _open(args: argparse.Namespace) -> Store:
    from jydesk.cli.login import open_logged_in

    if not (args.data_dir / "jydesk.sqlite3").exists():
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库")
    return open_logged_in(args)


def _audit(store: Store, item: PrintItem, pages: int, target: Path) -> None:
    from jydesk.store import SYSTEM_ACTOR

    with store.write(SYSTEM_ACTOR) as w:
        w.audit("print", entity=item.entity, record_id=item.record_id,
                detail=f"命令行打印“{item.definition.title}”；{pages}页；{target}")


def _warn(errors: list[FieldError]) -> None:
    """A form printed with gaps or errors is still printed (for handwriting), but never silently."""
    if not errors:
        return
    print(f"注意：表中有 {len(errors)} 处未填或有误，已照原样打印：", file=sys.stderr)
    for error in errors[:MAX_WARNINGS]:
        print(f"  - {error.message}", file=sys.stderr)
    if len(errors) > MAX_WARNINGS:
        print(f"  …… 另有 {len(errors) - MAX_WARNINGS} 处", file=sys.stderr)
