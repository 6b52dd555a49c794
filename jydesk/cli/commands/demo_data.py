"""``jydesk demo-data --households N --seed S``: realistic synthetic data for one village."""

from __future__ import annotations

import argparse
import sys
import time

from jydesk.cli import CommandError
from jydesk.cli.login import add_login_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo-data", help="生成演示用的村(社区)数据")
    p.add_argument("--households", type=int, required=True, help="户数")
    p.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--if-empty", action="store_true", help="仅当数据库中还没有人员时生成（已有数据时什么也不做）")
    when.add_argument("--force", action="store_true", help="数据文件夹中已有数据时仍然追加演示数据（慎用）")
    add_login_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.store.demo import DEMO_PASSWORD, DEMO_USERNAME, generate, is_empty

    if args.households < 1 or args.households > 200_000:
        raise CommandError("户数应在1到200000之间")
    from jydesk.store.instance_lock import FolderInUseError, InstanceLock

    lock = InstanceLock(args.data_dir, "命令 jydesk demo-data")
    try:
        lock.acquire()
    except FolderInUseError as exc:
        raise CommandError(str(exc)) from None
    from jydesk.cli.login import open_logged_in
    from jydesk.store.unlock import create_installation, folder_state

    if folder_state(args.data_dir) == "new":  # a new folder: its data key, recovery key and database
        made = create_installation(args.data_dir)
        store = made.store
        print(f"恢复密钥（演示数据，只显示这一次）：{made.recovery_key}", file=sys.stderr)
    else:
        store = open_logged_in(args)
    try:
        if not is_empty(store):
            if args.if_empty:
                print(f"数据文件夹 {args.data_dir} 中已有数据，未生成演示数据")
                return 0
            if not args.force:
                raise CommandError(f"数据文件夹 {args.data_dir} 中已有数据，未生成演示数据"
                                   "（演示数据请放在新的数据文件夹中，用 --data-dir 指定；确要追加请加 --force）")
        started = time.perf_counter()
        total = generate(store, args.households, args.seed,
                         progress=lambda done, n: print(f"\r已生成 {done}/{n} 户", end="", file=sys.stderr))
        print(file=sys.stderr)
        print(f"已生成 {total.households} 户、{total.persons} 人、{total.cases} 件申请、{total.visits} 条探访记录，"
              f"用时 {time.perf_counter() - started:.1f} 秒（{args.data_dir}）")
        print(f"演示账号：{DEMO_USERNAME}  密码：{DEMO_PASSWORD}")
        return 0
    finally:
        store.close()
        lock.release()
