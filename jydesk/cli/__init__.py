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


def default_data_dir() -> Path:
    """--data-dir, else $JYDESK_DATA_DIR, else the platform's user data folder."""
    env = os.environ.get("JYDESK_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("jydesk", appauthor=False))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jydesk", description="简阳市民政专干业务桌面端")
    parser.add_argument("--data-dir", type=Path, default=None, help="数据文件夹（默认：系统用户数据目录，或环境变量 JYDESK_DATA_DIR）")
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

            return run_app(args.data_dir)
        return handler(args)
    except CommandError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.status
    except ValidationError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    except Exception as exc:
        from jydesk.store.database import DB_FILENAME, SchemaTooNewError, damage_message

        message = str(exc) if isinstance(exc, SchemaTooNewError) else damage_message(exc, args.data_dir / DB_FILENAME)
        if message is None:
            raise
        print(f"错误：{message}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
