"""``jydesk add-clerk --username U --name N [--admin]``: add a clerk account from a script.

The password is never an argument (it would show in the process list and shell history): it is
read from standard input (first line) when that is not a terminal, else asked for twice.
The data is encrypted, so an administrator logs in first (``--user``; with ``--password-stdin``
the first line of stdin is that password and the second the new account's); the audit log
records the account as created by 命令行管理员. It is also the way back in when every
administrator's password is lost: ``jydesk add-clerk --recovery --username admin2 --name 王五
--admin`` opens the data with the recovery key.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from jydesk.cli import CommandError
from jydesk.cli.login import add_login_arguments

CLI_ACTOR_ID = "cli"
CLI_ACTOR_NAME = "命令行管理员"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("add-clerk", help="新增专干账号（密码从标准输入读取或提示输入）")
    p.add_argument("--username", required=True, help="登录用户名")
    p.add_argument("--name", required=True, help="专干姓名")
    p.add_argument("--admin", action="store_true", help="设为管理员（可管理专干账号）")
    add_login_arguments(p)
    p.set_defaults(handler=run)


def read_password() -> str:
    """First line of stdin when piped; else asked twice without echo."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise CommandError("未从标准输入读到密码（第一行应为密码）")
        return password
    try:
        first = getpass.getpass("密码：")
        second = getpass.getpass("再次输入密码：")
    except EOFError as exc:
        raise CommandError("未输入密码") from exc
    if first != second:
        raise CommandError("两次输入的密码不一致")
    return first


def run(args: argparse.Namespace) -> int:
    from jydesk.cli.login import open_logged_in
    from jydesk.store.accounts import ADMIN, CLERK, ROLE_NAMES, active_admin_count, provision_user
    from jydesk.store.database import DB_FILENAME
    from jydesk.store.unit_of_work import Actor

    if not (args.data_dir / DB_FILENAME).exists():
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库（请先运行 jydesk 完成首次设置，或用 --data-dir 指定）")
    role = ADMIN if args.admin else CLERK
    store = open_logged_in(args)
    try:
        if not args.recovery and active_admin_count(store) > 0:  # else: the first administrator
            import os

            from jydesk.store.quick_reads import is_admin, user_by_name

            found = user_by_name(store, args.login_user or os.environ.get("JYDESK_USER") or "")
            if found is None or not is_admin(store, found[0]):
                raise CommandError("只有管理员可以新增专干账号（请用管理员账号 --user 登录，或用 --recovery 恢复密钥）")
        if role != ADMIN and active_admin_count(store) == 0:
            raise CommandError("本机还没有管理员账号：第一个账号请加 --admin 创建为管理员")
        password = read_password()
        actor = provision_user(store, Actor(CLI_ACTOR_ID, CLI_ACTOR_NAME), args.username, args.name, password,
                               role=role)
    finally:
        store.close()
    print(f"已创建{ROLE_NAMES[role]}账号 {args.username.strip()}（{actor.name}）")
    return 0
