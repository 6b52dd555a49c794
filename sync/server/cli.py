"""``jydesk-server``: run the city server and administer it.

    jydesk-server --version
    jydesk-server serve [--database-url URL] [--host H] [--port P] [--workers N] [--min-protocol N]
    jydesk-server migrate
    jydesk-server enroll-device --village CODE [--hours H]      prints a one-time code
    jydesk-server revoke-device DEVICE_ID
    jydesk-server list-devices [--village CODE] [--older-than VERSION] [--json]
    jydesk-server list-held [--village CODE] [--json]          changes waiting for their parent record
    jydesk-server create-reviewer --username U --name 姓名 (--town CODE | --city) [--password-stdin]
    jydesk-server import-bundle FILE [--json]
    jydesk-server reference approval --town CODE --level 乡镇|县级   who confirms (审核确认) in a town
    jydesk-server reference import --kind holidays|standard FILE.csv [--source 文号]   a year's 节假日 / 标准
    jydesk-server reference set --kind KIND --key KEY --value VALUE [--source 文号]   one record
    jydesk-server reference list [--kind KIND] [--json]           reference data the city has set

Every command takes ``--database-url`` (default $JYDESK_SERVER_DATABASE_URL, else a SQLite
file in the data folder) and ``--data-dir`` (default $JYDESK_SERVER_DATA_DIR, else the
platform's user data folder). Exit status 0 on success, else non-zero with one line.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jydesk.cli.arguments import ChineseArgumentParser, LazyVersion, os_failure, quiet_stdout
from jydesk.domain.errors import ValidationError
from jydesk.version import app_version
from sync.protocol.models import PROTOCOL_VERSION
from sync.server.cli_reference import add_reference_commands
from sync.server.config import Settings
from sync.server.db import Database


class CliError(Exception):
    pass


MAX_CODE_HOURS = 24 * 30


_opened: list[Database] = []
log = logging.getLogger(__name__)


def _settings(args: argparse.Namespace) -> Settings:
    from sync.server.config import parse_min_protocol

    minimum = getattr(args, "min_protocol", None)
    return Settings.from_env(args.database_url, Path(args.data_dir) if args.data_dir else None,
                             min_protocol=None if minimum is None else parse_min_protocol(minimum))


def _database(args: argparse.Namespace, *, migrate: bool = True) -> Database:
    db = Database(_settings(args).database_url)
    _opened.append(db)
    if migrate:
        db.migrate()
    return db


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.server.app import create_app, settle_heap

    settings = _settings(args)
    if args.workers < 1:
        raise CliError("--workers 应为正整数")
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        print(f"注意：{args.workers} 个工作进程共用一个 SQLite 文件，写入会相互等待；正式使用多个工作进程请改用 PostgreSQL"
              "（--database-url）", file=sys.stderr, flush=True)
    if not 0 < args.port < 65536:
        raise CliError("--port 应在1到65535之间")
    db = _database(args)
    print(f"jydesk 市级同步服务：http://{args.host}:{args.port}{'/api/v1'}  数据库：{_safe_url(settings.database_url)}",
          flush=True)
    common = {"host": args.host, "port": args.port, "log_level": args.log_level, "proxy_headers": True,
              "timeout_keep_alive": 30}
    if args.workers > 1:  # separate processes (one GIL each); they share the database
        db.dispose()
        os.environ["JYDESK_SERVER_DATABASE_URL"] = settings.database_url
        os.environ["JYDESK_SERVER_DATA_DIR"] = str(settings.data_dir)
        os.environ["JYDESK_SERVER_WORKERS"] = str(args.workers)
        os.environ["JYDESK_SERVER_MIN_PROTOCOL"] = str(settings.min_protocol)
        uvicorn.run("sync.server.app:app_from_env", factory=True, workers=args.workers, **common)
    else:
        app = create_app(settings, db)
        settle_heap()
        uvicorn.run(app, **common)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from sync.server.db import current_revision

    db = _database(args, migrate=False)
    before = current_revision(db.engine)
    db.migrate()
    after = current_revision(db.engine)
    if before is None:
        print(f"已创建数据库结构（版本 {after}）")
    elif before != after:
        print(f"已升级数据库结构：版本 {before} → {after}")
    else:
        print(f"数据库已是最新结构（版本 {after}），无需升级")
    return 0


def cmd_enroll_device(args: argparse.Namespace) -> int:
    from sync.server.devices import issue_code

    if not 0 < args.hours <= MAX_CODE_HOURS:
        raise CliError(f"--hours 应大于0且不超过{MAX_CODE_HOURS}（小时）")
    issued = issue_code(_database(args), args.village, ttl_hours=args.hours)
    if args.json:
        print(json.dumps({"code": issued.code, "village_code": issued.village_code,
                          "expires_at": issued.expires_at.isoformat()}))
    else:
        print(issued.code)
        print(f"村(社区) {issued.village_code}，有效期至 {issued.expires_at:%Y-%m-%d %H:%M} (UTC)，只能使用一次", file=sys.stderr)
    return 0


def cmd_revoke_device(args: argparse.Namespace) -> int:
    from sync.server.devices import revoke

    if not revoke(_database(args), args.device_id):
        raise CliError(f"没有找到未停用的设备 {args.device_id}")
    print(f"设备 {args.device_id} 已停用")
    return 0


def cmd_list_devices(args: argparse.Namespace) -> int:
    from jydesk.version import is_version, version_key
    from sync.server.devices import list_devices

    if args.older_than is not None and not is_version(args.older_than):
        raise CliError(f"--older-than 的值“{args.older_than}”不是版本号，应形如 0.2.0")
    rows = list_devices(_database(args), args.village)
    if args.older_than is not None:  # a device whose version is unknown ran a program before versions were sent
        limit = version_key(args.older_than)
        rows = [r for r in rows if not r["revoked_at"]
                and (r["app_version"] is None or version_key(r["app_version"]) < limit)]
    if args.json:
        print(json.dumps(rows, default=str, ensure_ascii=False))
        return 0
    if not rows:
        where = f"村(社区) {args.village} " if args.village else ""
        print(f"{where}没有版本早于 {args.older_than} 的设备" if args.older_than else
              f"村(社区) {args.village} 没有登记的设备" if args.village else "还没有登记的设备")
    for r in rows:
        state = f"已停用（{_when(r['revoked_at'])}）" if r["revoked_at"] else "正常"
        version = f"版本 {r['app_version']}（协议 {r['protocol_version'] or 1}）" if r["app_version"] else "版本未知"
        print(f"{r['id']}  {r['village_code']}  {state}  {r['name'] or '-'}  {version}  登记于 {_when(r['enrolled_at'])}  "
              f"最近联系 {_when(r['last_seen_at'], '从未联系')}")
    return 0


def _when(value: Any, none: str = "-") -> str:
    """A stored UTC time as local 年-月-日 时:分 (``none`` if none)."""
    if value is None:
        return none
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"{value.astimezone():%Y-%m-%d %H:%M}"


def cmd_list_held(args: argparse.Namespace) -> int:
    """Changes still waiting for their parent record, per village (none should wait long)."""
    from sqlalchemy import func, select

    from sync.server.models import HeldChange

    h = HeldChange.__table__.c
    stmt = (select(h.village_code, h.entity, func.count(), func.min(h.received_at))
            .where(h.released_at.is_(None)).group_by(h.village_code, h.entity).order_by(h.village_code, h.entity))
    if args.village:
        stmt = stmt.where(h.village_code == args.village)
    with _database(args).read() as conn:
        rows = conn.execute(stmt).all()
    if args.json:
        print(json.dumps([{"village_code": v, "entity": e, "count": n, "oldest": str(t)} for v, e, n, t in rows]))
        return 0
    if not rows:
        print("没有等待上级记录的修改")
    for village, entity, count, oldest in rows:
        print(f"{village}  {entity}  {count} 条，最早 {oldest:%Y-%m-%d %H:%M} (UTC) 收到")
    return 0


def cmd_create_reviewer(args: argparse.Namespace) -> int:
    from sync.server.reviewers import create_reviewer

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("未从标准输入读到密码（第一行应为密码）")
    elif not sys.stdin.isatty():
        raise CliError("没有可输入密码的终端：请加 --password-stdin，并从标准输入提供密码")
    else:
        try:
            password = getpass.getpass("密码：")
            again = getpass.getpass("再次输入密码：")
        except EOFError:
            raise CliError("未输入密码") from None
        if again != password:
            raise CliError("两次输入的密码不一致")
    ref = create_reviewer(_database(args), args.username, args.name, password, town_code=args.town)
    scope = f"乡镇(街道) {ref.town_code}" if ref.town_code else "全市"
    print(f"已创建审核账号 {ref.username}（{ref.display_name}，范围：{scope}）")
    return 0


def cmd_import_bundle(args: argparse.Namespace) -> int:
    from sync.server.bundle_import import import_bundle

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"找不到文件 {path}")
    report = import_bundle(_database(args), path.read_bytes())
    if args.json:
        print(json.dumps(report, default=str, ensure_ascii=False))
    else:
        counts = "，".join(f"{k} {v}" for k, v in report["counts"].items()) or "无修改"
        print(f"已导入设备 {report['device_id']}（{report['village_code']}）的 {report['batches']} 批数据"
              f"（其中 {report['replayed']} 批此前已导入）：{counts}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def version_line() -> str:
    """``jydesk-server 0.1.0（协议 1，数据库结构 0006）``: what this build speaks and migrates to."""
    from sync.server.db import head_revision

    return f"jydesk-server {app_version()}（协议 {PROTOCOL_VERSION}，数据库结构 {head_revision()}）"


def build_parser() -> argparse.ArgumentParser:
    common = ChineseArgumentParser(add_help=False)
    common.add_argument("--database-url", help="数据库地址（默认：环境变量 JYDESK_SERVER_DATABASE_URL，或数据目录中的 SQLite 文件）")
    common.add_argument("--data-dir", help="数据目录（附件、默认数据库；默认：JYDESK_SERVER_DATA_DIR 或系统用户数据目录）")
    parser = ChineseArgumentParser(prog="jydesk-server", description="简阳市民政市级同步服务")
    parser.add_argument("--version", action=LazyVersion, version=version_line, help="显示版本（程序、同步协议、数据库结构）并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)

    p = sub.add_parser("serve", parents=[common], help="运行同步服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8420)
    p.add_argument("--workers", type=int, default=1, help="工作进程数（PostgreSQL 时可设为 CPU 核数）")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--min-protocol", default=None, metavar="N",
                   help="接受的最低同步协议版本，更旧的桌面端收到升级提示（默认：环境变量 "
                        f"JYDESK_SERVER_MIN_PROTOCOL，或 {PROTOCOL_VERSION}）")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("migrate", parents=[common], help="创建或升级数据库结构")
    p.set_defaults(handler=cmd_migrate)

    p = sub.add_parser("enroll-device", parents=[common], help="为村(社区)生成一次性设备登记码")
    p.add_argument("--village", required=True, help="12位村(社区)代码")
    p.add_argument("--hours", type=float, default=72.0, help="有效小时数（默认72）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_enroll_device)

    p = sub.add_parser("revoke-device", parents=[common], help="停用设备")
    p.add_argument("device_id")
    p.set_defaults(handler=cmd_revoke_device)

    p = sub.add_parser("list-devices", parents=[common], help="列出设备（版本、最近联系时间）")
    p.add_argument("--village")
    p.add_argument("--older-than", metavar="VERSION", help="只列出程序版本早于该版本（或版本未知）的未停用设备，如 0.2.0")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list_devices)

    p = sub.add_parser("list-held", parents=[common], help="列出等待上级记录（如户、人员）到达的修改")
    p.add_argument("--village")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list_held)

    p = sub.add_parser("create-reviewer", parents=[common], help="创建乡镇或市级审核账号")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True, help="姓名（显示在审批记录中）")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--town", help="9位乡镇(街道)代码：只能审核该乡镇的申请")
    scope.add_argument("--city", action="store_true", help="全市范围")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    p.set_defaults(handler=cmd_create_reviewer)

    p = sub.add_parser("import-bundle", parents=[common], help="导入U盘带来的数据包")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import_bundle)

    add_reference_commands(sub, common, _database)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        quiet_stdout()
        return 0
    except Exception as exc:  # every failure is one Chinese line, never a traceback
        print(f"错误：{describe(exc, args)}", file=sys.stderr)
        return 1
    finally:
        while _opened:
            _opened.pop().dispose()


def describe(exc: BaseException, args: argparse.Namespace) -> str:
    """One Chinese line for a failure of a command (full details in the log when debugging)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    from sync.bundle import BundleError
    from sync.server.errors import ServiceError

    url = getattr(args, "database_url", None) or os.environ.get("JYDESK_SERVER_DATABASE_URL") or ""
    if isinstance(exc, CliError | ValidationError):
        return str(exc)
    if isinstance(exc, ServiceError | BundleError):
        return str(getattr(exc, "detail", None) or getattr(exc, "message", None) or exc)
    if isinstance(exc, ArgumentError):
        return (f"无法识别数据库地址“{url}”：应形如 postgresql+psycopg://用户@主机:5432/库名，"
                "或 sqlite:////完整路径/server.sqlite3")
    if isinstance(exc, NoSuchModuleError | ModuleNotFoundError):
        return f"不支持该数据库类型（{url.split(':', 1)[0]}）：只支持 PostgreSQL（postgresql+psycopg://…）和 SQLite（sqlite:///…）"
    if isinstance(exc, OperationalError):
        if "sqlite" in type(exc.orig).__module__:
            return (f"SQLite 数据库文件无法使用（{_sqlite_reason(str(exc.orig))}）：请检查数据目录的磁盘空间、权限，"
                    "以及是否有另一个服务进程在使用它")
        return (f"无法连接数据库 {_safe_url(url) if url else ''}：请检查数据库服务是否在运行，"
                "以及地址、端口、用户名和密码是否正确")
    if isinstance(exc, OSError):
        return os_failure(exc)
    log.debug("命令出错", exc_info=exc)
    return f"程序内部出错（{type(exc).__name__}），请联系技术支持"


def _sqlite_reason(text: str) -> str:
    table = {"full": "磁盘空间不足", "locked": "正被占用", "readonly": "只读", "malformed": "文件已损坏",
             "not a database": "不是数据库文件", "unable to open": "无法打开", "i/o": "读写出错"}
    return next((why for needle, why in table.items() if needle in text.lower()), "读写出错")


if __name__ == "__main__":
    sys.exit(main())
