"""``jydesk enroll --server URL --code CODE``: bind this installation to the city server."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from jydesk.cli import CommandError
from jydesk.cli.login import add_login_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enroll", help="用一次性登记码把本机登记到市级平台")
    p.add_argument("--server", required=True, help="市级服务器地址，如 https://mz.example.gov.cn")
    p.add_argument("--code", required=True, help="市民政局发放的一次性登记码")
    p.add_argument("--device-name", default=None, help="本机名称（默认：计算机名）")
    p.add_argument("--village-name", default=None, help="村(社区)名称（本机尚未设置所属村(社区)时必填）")
    p.add_argument("--re-enroll", action="store_true",
                   help="本机已登记时重新登记（原设备编号将在服务器上停用）；在终端中运行时会先询问")
    add_login_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.cli.login import open_logged_in
    from jydesk.store.unlock import folder_state
    from sync.client import SyncError, enroll

    store = _new_installation(args) if folder_state(args.data_dir) == "new" else open_logged_in(args)
    try:
        replace = args.re_enroll or _confirm_re_enroll(store)
        result = enroll(store, args.server, args.code, device_name=args.device_name, village_name=args.village_name,
                        replace=replace)
    except SyncError as exc:
        raise CommandError(exc.message) from None
    finally:
        store.close()
    print(f"登记成功：{result.town_name} 村(社区)代码 {result.village_code}，设备编号 {result.device_id}，服务器 {result.server_url}")
    return 0


def _new_installation(args: argparse.Namespace) -> Any:
    """A new data folder (a new computer, or one whose data was lost): the data key, the recovery
    key (shown once) and the first administrator ``--user`` with the password given."""
    import os
    import sys

    from jydesk.cli.login import read_line
    from jydesk.store.accounts import create_user
    from jydesk.store.unlock import create_installation

    username = (args.login_user or os.environ.get("JYDESK_USER") or "").strip()
    if not username:
        raise CommandError("新的数据文件夹：请加 --user 用户名，作为本机第一位管理员账号（密码从提示或标准输入读取）")
    password = os.environ.get("JYDESK_PASSWORD") if not args.password_stdin else None
    password = password or read_line("新账号的密码", from_stdin=args.password_stdin)
    made = create_installation(args.data_dir)
    create_user(made.store, username, username, password, role="admin")
    print(f"已新建本机数据（已加密）和管理员账号 {username}。恢复密钥（只显示这一次，请抄写后交乡镇（街道）保管）："
          f"{made.recovery_key}", file=sys.stderr)
    return made.store


def _confirm_re_enroll(store: Any) -> bool:
    """Whether an enrolled installation may be enrolled again: asked at a terminal, else refused."""
    from sync.client import state

    old = state.credentials(store)
    if old is None:
        return False
    question = f"本机已登记为设备 {old.device_id}（{old.server_url}），重新登记将停用原设备编号"
    if not sys.stdin.isatty():
        raise CommandError(f"{question}；确需重新登记请加 --re-enroll")
    try:
        answer = input(f"{question}。确定重新登记吗？[y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes", "是"):
        raise CommandError("已取消重新登记")
    return True
