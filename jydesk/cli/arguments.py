"""Command-line plumbing shared by ``jydesk`` and ``jydesk-server``: an ``ArgumentParser`` that
answers bad arguments in one Chinese line (exit status 2), file errors in Chinese, and a quiet
stdout after a closed pipe.

argparse's own messages are English and come with a usage block; the clerk (and a script's log)
gets one line instead: ``错误：缺少必填参数：--households（jydesk demo-data -h 查看用法）``.
Used by ``jydesk`` and ``jydesk-server``; sub-commands inherit the class.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

_TYPES = {"int": "整数", "float": "数字", "Path": "路径"}
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), t) for p, t in (
    (r"^the following arguments are required: (.+)$", "缺少必填参数：{0}"),
    (r"^unrecognized arguments: (.+)$", "无法识别的参数：{0}"),
    (r"^argument (\S+): invalid (\w+) value: '(.*)'$", "参数 {0} 的值“{2}”无效，应为{type}"),
    (r"^argument (\S+): invalid choice: '(.*)' \(choose from (.+)\)$", "参数 {0} 的值“{1}”无效，可选：{2}"),
    (r"^argument (\S+): expected one argument$", "参数 {0} 后面缺少值"),
    (r"^argument (\S+): expected at least one argument$", "参数 {0} 后面缺少值"),
    (r"^argument (\S+): not allowed with argument (\S+)$", "参数 {0} 不能与 {1} 同时使用"),
    (r"^argument (\S+): ignored explicit argument '(.*)'$", "参数 {0} 不接受值“{1}”"),
    (r"^one of the arguments (.+) is required$", "必须指定以下参数之一：{0}"),
    (r"^ambiguous option: (\S+) could match (.+)$", "参数 {0} 有歧义，可能是：{1}"),
))


def chinese(message: str) -> str:
    """argparse's English error message in Chinese (unknown ones are kept, prefixed)."""
    for pattern, template in _PATTERNS:
        found = pattern.match(message)
        if found:
            groups = found.groups()
            kind = _TYPES.get(groups[1], "正确的值") if len(groups) > 1 else ""
            return template.format(*groups, type=kind)
    return f"命令行参数有误：{message}"


class LazyVersion(argparse.Action):
    """``--version`` whose line (``version=`` a function) is worked out only when asked for;
    printed to stdout, exit status 0."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, *,
                 version: Callable[[], str], help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)
        self.line = version

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        print(self.line(), flush=True)
        parser.exit(0)


class ChineseHelpFormatter(argparse.HelpFormatter):
    """``-h`` output with a Chinese ``用法：`` line (argparse writes ``usage:``)."""

    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """``-h`` in Chinese (headings, the help option) and bad arguments as one Chinese line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = "显示本帮助并退出"

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"错误：{chinese(message)}（{self.prog} -h 查看用法）\n")


_OS_REASONS = {errno.ENOENT: "文件或文件夹不存在", errno.EACCES: "没有访问权限", errno.EPERM: "没有访问权限",
               errno.ENOTDIR: "路径中有一段不是文件夹", errno.EISDIR: "这是一个文件夹，不是文件",
               errno.EROFS: "所在磁盘是只读的", errno.ENOSPC: "磁盘空间不足", errno.EIO: "读写磁盘出错"}


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in Chinese (``文件或文件夹不存在`` …)."""
    return _OS_REASONS.get(exc.errno or 0, "无法读写")


def os_failure(exc: OSError) -> str:
    """``无法访问 /proc/nope：文件或文件夹不存在``."""
    return f"无法访问 {exc.filename or '文件'}：{os_reason(exc)}"


def quiet_stdout() -> None:
    """After a closed pipe (``… | head``): no second error while Python flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
