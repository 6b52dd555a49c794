"""``jydesk sync [--server URL]``: push and pull once, print a summary, non-zero on failure."""

from __future__ import annotations

import argparse

import orjson

from jydesk.cli import CommandError
from jydesk.cli.login import add_login_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="与市级平台同步一次（上传本机修改，下载更新）")
    p.add_argument("--server", default=None, help="改用该服务器地址（同步成功后记住）")
    p.add_argument("--retries", type=int, default=6, help="网络出错时最多尝试几次（默认 6，间隔逐渐加长）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果（供程序使用）")
    add_login_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.cli.login import open_logged_in
    from sync.client import AuthError, RetryPolicy, SyncClient, SyncError
    from sync.client.enrollment import normalise_url

    if args.retries < 1:
        raise CommandError("--retries 应为正整数")
    if not (args.data_dir / "jydesk.sqlite3").exists():
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库")
    # No folder lock: the night-time sync job runs while the app may be open. One sync run per
    # installation at a time is the sync client's own lock; writes wait for each other (BEGIN IMMEDIATE).
    store = open_logged_in(args)
    try:
        server = normalise_url(args.server) if args.server else None
        with SyncClient(store, server_url=server, retry=RetryPolicy(attempts=args.retries)) as client:
            summary = client.sync()
        from sync.client.outbox import waiting_count
        from sync.client.resolve import open_conflicts, rejected_changes

        with store.read() as s:
            waiting = waiting_count(s)
        conflicts, rejected = len(open_conflicts(store)), len(rejected_changes(store))
    except SyncError as exc:
        raise CommandError(exc.message, 3 if isinstance(exc, AuthError) else 1) from None
    finally:
        store.close()
    if args.json:
        print(orjson.dumps({
            "batches": summary.batches, "pushed": dict(summary.pushed), "pulled": dict(summary.pulled),
            "held": dict(summary.held), "attachments_uploaded": summary.uploaded,
            "attachments_downloaded": summary.downloaded, "bytes_sent": summary.bytes_sent,
            "bytes_received": summary.bytes_received, "waiting": waiting, "conflicts": conflicts,
            "rejected": rejected, "problems": summary.problems}, option=orjson.OPT_INDENT_2).decode())
        return 0
    print(f"同步完成：{summary.text()}")
    for problem in summary.problems:
        print(f"注意：{problem}")
    if conflicts:
        print(f"有 {conflicts} 处冲突等待处理（在程序的“冲突”面板中选择保留哪个值）")
    if rejected:
        print(f"有 {rejected} 条修改被服务器退回（在程序的“同步”面板中查看原因）")
    if waiting:
        print(f"仍有 {waiting} 条记录等待同步")
    return 0
