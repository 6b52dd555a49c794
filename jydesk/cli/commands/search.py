"""``jydesk search QUERY [--limit N] [--json]``: search people as the search box does."""

from __future__ import annotations

import argparse

import orjson

from jydesk.cli import CommandError
from jydesk.cli.login import add_login_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="搜索人员（姓名、拼音首字母、身份证号、电话、住址）")
    p.add_argument("query", help="搜索内容")
    p.add_argument("--limit", type=int, default=20, help="最多显示条数")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")
    add_login_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.cli.login import open_logged_in
    from jydesk.domain.idnumber import mask
    from jydesk.store.search_query import search

    if args.limit < 1:
        raise CommandError("--limit 应为正整数")
    if not (args.data_dir / "jydesk.sqlite3").exists():
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库")
    store = open_logged_in(args)
    try:
        with store.sql() as db:
            hits = search(db, args.query, args.limit)
    finally:
        store.close()
    if args.json:
        print(orjson.dumps([
            {"person_id": h.person_id, "name": h.name, "id_number": h.id_number, "sex": h.sex,
             "birth_date": h.birth_date.isoformat() if h.birth_date else None, "phone": h.phone,
             "household_id": h.household_id, "address": h.address, "group_no": h.group_no, "matched": h.matched}
            for h in hits
        ], option=orjson.OPT_INDENT_2).decode())
        return 0
    if not hits:
        print("未找到匹配的人员")
        return 0
    for h in hits:
        print(f"{h.name}\t{h.sex or ''}\t{mask(h.id_number)}\t{h.phone or ''}\t{h.address or ''}\t（{h.matched}）")
    return 0
