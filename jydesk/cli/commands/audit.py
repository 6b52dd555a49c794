"""``jydesk audit [--since DATE] [--until DATE] [--user U] [--kind K] [--record ID] [--limit N] [--json]``
prints the audit log (newest first) for scripts; ``jydesk audit verify [--json]`` checks its hash
chain and exits with status 3 at the first broken link. 身份证号 in the output are masked."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

import orjson

from jydesk.cli import CommandError
from jydesk.cli.login import add_login_arguments

BROKEN_STATUS = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="查看操作日志；audit verify 检查操作日志是否被改动")
    p.add_argument("check", nargs="?", choices=["verify"], metavar="verify",
                   help="检查操作日志的哈希链（断开时退出码为 3）")
    p.add_argument("--since", metavar="DATE", help="开始日期（含），如 2026-01-31")
    p.add_argument("--until", metavar="DATE", help="结束日期（含），如 2026-12-31")
    p.add_argument("--user", metavar="U", help="操作人：登录用户名或姓名（“市级平台”为同步下载的修改）")
    p.add_argument("--kind", metavar="K", help="操作类型：新增、修改、删除、查看身份证号、打印、导出、登录、锁定、同步、备份恢复")
    p.add_argument("--record", metavar="ID", help="只看一条记录（记录编号）")
    p.add_argument("--limit", metavar="N", type=int, default=None, help="最多显示条数")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")
    add_login_arguments(p, "--clerk")  # --user here filters the log by operator
    p.set_defaults(handler=run)


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"{option} 的日期“{text}”无效，应如 2026-01-31", 2) from None


def _actor_id(db: Any, user: str | None) -> str | None:
    if user is None:
        return None
    from jydesk.store.audit.log import clerks

    wanted = user.strip()
    row = db.execute("SELECT id FROM users WHERE username = ? OR display_name = ? LIMIT 1", (wanted, wanted)).fetchone()
    if row is not None:
        return str(row[0])
    for actor_id, name in clerks(db):
        if wanted in (actor_id, name):
            return actor_id
    row = db.execute("SELECT actor_id FROM audit_log WHERE actor_name = ? LIMIT 1", (wanted,)).fetchone()
    if row is not None:  # a name the log knows without an account (e.g. an imported file)
        return str(row[0])
    raise CommandError(f"--user 找不到操作人“{user}”（应为登录用户名、姓名或“市级平台”）", 2)


def run(args: argparse.Namespace) -> int:
    from jydesk.cli.login import open_logged_in
    from jydesk.store.audit.log import KINDS, AuditListing, LogFilter
    from jydesk.store.database import DB_FILENAME

    since, until = _date(args.since, "--since"), _date(args.until, "--until")
    if since and until and since > until:
        raise CommandError("--since 不能晚于 --until", 2)
    if args.kind is not None and args.kind not in KINDS:
        raise CommandError(f"--kind 的值“{args.kind}”无效，可选：{'、'.join(KINDS)}", 2)
    if args.limit is not None and args.limit < 1:
        raise CommandError("--limit 应为正整数", 2)
    if not (args.data_dir / DB_FILENAME).exists():
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库")
    store = open_logged_in(args)
    try:
        if args.check == "verify":
            return _verify(store, args.json)
        with store.sql() as db:
            actor_id = _actor_id(db, args.user)
        where = LogFilter(actor_id=actor_id, since=since, until=until, kind=args.kind, record_id=args.record)
        _print(AuditListing(store, where).rows(), args.limit, args.json)
    finally:
        store.close()
    return 0


def _verify(store: Any, as_json: bool) -> int:
    from jydesk.store.audit.chain import verify

    with store.sql() as db:
        report = verify(db)
    if as_json:
        broken = report.broken
        print(orjson.dumps({"ok": report.ok, "checked": report.checked, "message": report.message,
                            "broken": None if broken is None else {"id": broken.id, "at": broken.at,
                                                                   "reason": broken.reason}}).decode())
    elif report.ok:
        print(report.message)
    if not report.ok:
        print(f"错误：{report.message}", file=sys.stderr)
        return BROKEN_STATUS
    return 0


def _print(rows: Any, limit: int | None, as_json: bool) -> None:
    from jydesk.store.audit.log import ID_FIELDS, show_value

    out = sys.stdout
    if as_json:
        out.write("[")  # a JSON array written entry by entry: a year of entries never sits in memory
    for n, row in enumerate(rows):
        if limit is not None and n >= limit:
            break
        if as_json:
            changes = {c.field: [_masked(c.field, c.before, ID_FIELDS, show_value),
                                 _masked(c.field, c.after, ID_FIELDS, show_value)] for c in row.field_changes()}
            out.write(("\n" if n == 0 else ",\n") + orjson.dumps({
                "id": row.id, "at": row.at.isoformat(timespec="seconds") + "+08:00", "actor_id": row.actor_id,
                "actor": row.who, "action": row.action, "kind": row.kind, "entity": row.entity,
                "record_id": row.record_id, "detail": row.detail, "changes": changes}).decode())
        else:
            fields = (row.at.strftime("%Y-%m-%d %H:%M:%S"), row.who, row.kind, row.action_name,
                      row.entity_name, row.record_id or "", row.detail or "", row.summary())
            out.write("\t".join(_one_line(f) for f in fields) + "\n")
    if as_json:
        out.write("\n]\n")


def _one_line(text: str) -> str:
    """A field of a tab-separated line: control characters (tabs, newlines) become spaces."""
    return "".join(ch if ch >= " " else " " for ch in text)


def _masked(name: str, value: Any, id_fields: frozenset[str], show: Any) -> Any:
    return show(name, value, False) if name in id_fields and value else value
