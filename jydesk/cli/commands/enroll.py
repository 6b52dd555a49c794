"""``jydesk enroll --server URL --code CODE``: bind this installation to the city server."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from jydesk.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enroll", help="用一次性登记码把本机登记到市级平台")
    p.add_argument("--server", required=True, help="市级服务器地址，如 https://mz.example.gov.cn")
    p.add_argument("--code", required=True, help="市民政局发放的一次性登记码")
    p.add_argument("--device-name", default=None, help="本机名称（默认：计算机名）")
    p.add_argument("--village-name", default=None, help="村(社区)名称（本机尚未设置所属村(社区)时必填）")
    p.add_argument("--re-enroll", action="store_true",
                   help="本机已登记时重新登记（原设备编号将在服务器上停用）；在终端中运行时会先询问")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.store import open_store
    from sync.client import SyncError, enroll

    store = open_store(args.data_dir)
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
