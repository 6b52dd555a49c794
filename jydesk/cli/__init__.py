"""Command-line surface (docs/architecture.md § Command line). Each subcommand lives in jydesk/cli/commands/<name>.py
and exposes ``register(subparsers)``; modules are discovered, so adding one edits no list."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from jydesk.domain.errors import ValidationError

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A failure to report as one Chinese line and a non-zero exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def write_output(path: Path, data: bytes) -> None:
    """Write a command's output file (its folder made); a failure is a :class:`CommandError`."""
    from jydesk.cli.arguments import os_reason

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"无法写入 {path}：{os_reason(exc)}") from None


def default_data_dir() -> Path:
    """--data-dir, else $JYDESK_DATA_DIR, else the platform's user data folder."""
    env = os.environ.get("JYDESK_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("jydesk", appauthor=False))


def _version_line() -> str:
    from jydesk.about import version_line

    return version_line()


def build_parser() -> argparse.ArgumentParser:
    from jydesk.cli.arguments import ChineseArgumentParser, LazyVersion

    parser = ChineseArgumentParser(prog="jydesk", description="简阳市民政专干业务桌面端")
    parser.add_argument("--data-dir", type=Path, default=None, help="数据文件夹（默认：系统用户数据目录，或环境变量 JYDESK_DATA_DIR）")
    parser.add_argument("--version", action=LazyVersion, version=_version_line, help="显示版本（程序、同步协议、数据库结构、表单）并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    from jydesk.cli import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    handler: Handler | None = getattr(args, "handler", None)
    try:
        if handler is None:
            from jydesk.ui.shell.app import run_app
            from jydesk.ui.widgets.guard import install

            install()  # no exception escapes a Qt slot unseen: logged, and the clerk is told in Chinese
            return run_app(args.data_dir)
        return handler(args)
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. ``jydesk search 张 | head -2``: the reader has what it wanted
        from jydesk.cli.arguments import quiet_stdout

        quiet_stdout()
        return 0
    except Exception as exc:  # every failure is one Chinese line (and a JSON object with --json)
        message, status = describe(exc, args.data_dir)
        if getattr(args, "json", False):
            import orjson

            print(orjson.dumps({"ok": False, "error": message, "status": status}).decode())
        print(f"错误：{message}", file=sys.stderr)
        return status


def describe(exc: BaseException, data_dir: Path | None = None) -> tuple[str, int]:
    """The Chinese line and exit status for a failed command (``data_dir``: the folder it used)."""
    if isinstance(exc, CommandError):
        return str(exc), exc.status
    if isinstance(exc, ValidationError):
        return exc.message, 2
    from jydesk.store.database import DB_FILENAME, SchemaTooNewError, damage_message

    if isinstance(exc, SchemaTooNewError):
        return str(exc), 4
    damaged = damage_message(exc, data_dir / DB_FILENAME) if data_dir is not None else None
    if damaged is not None:
        return damaged, 4
    from jydesk.store.faults import classify

    fault = classify(exc)
    if fault is not None:
        return fault.message, 4
    if isinstance(exc, OSError):
        from jydesk.cli.arguments import os_failure

        return os_failure(exc), 4
    import logging

    logging.getLogger(__name__).debug("命令出错", exc_info=exc)
    return f"程序内部出错（{type(exc).__name__}），请联系技术支持", 1

