"""``jydesk enroll --server URL --code CODE``: bind this installation to the city server."""

from __future__ import annotations

import argparse

from jydesk.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enroll", help="用一次性登记码把本机登记到市级平台")
    p.add_argument("--server", required=True, help="市级服务器地址，如 https://mz.example.gov.cn")
    p.add_argument("--code", required=True, help="市民政局发放的一次性登记码")
    p.add_argument("--device-name", default=None, help="本机名称（默认：计算机名）")
    p.add_argument("--village-name", default=None, help="村(社区)名称（本机尚未设置所属村(社区)时必填）")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from jydesk.store import open_store
    from sync.client import SyncError, enroll

    store = open_store(args.data_dir)
    try:
        result = enroll(store, args.server, args.code, device_name=args.device_name, village_name=args.village_name)
    except SyncError as exc:
        raise CommandError(exc.message) from None
    finally:
        store.close()
    print(f"登记成功：{result.town_name} 村(社区)代码 {result.village_code}，设备编号 {result.device_id}，服务器 {result.server_url}")
    return 0
