"""A clerk's login for commands that open the data folder (the database is encrypted).

``--user NAME`` with the password from a prompt, ``--password-stdin`` (first line of standard
input), or ``JYDESK_USER`` / ``JYDESK_PASSWORD`` for scripts; ``--recovery`` uses the recovery
key instead. The password only unwraps the clerk's key slot: nothing is written.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from jydesk.cli import CommandError

if TYPE_CHECKING:
    from jydesk.store import Store
    from jydesk.store.crypto import DataKey

LOGIN_FAILED = 3


def add_login_arguments(p: argparse.ArgumentParser, user_option: str = "--user") -> None:
    """The login options (``user_option``: ``--clerk`` where ``--user`` already means something else)."""
    p.allow_abbrev = False  # a password is never an argument: "--password x" must not mean --password-stdin
    group = p.add_argument_group("登录（数据已加密，需专干账号）")
    group.add_argument(user_option, dest="login_user", metavar="用户名", help="专干用户名（也可用环境变量 JYDESK_USER）")
    group.add_argument("--password-stdin", action="store_true",
                       help="从标准输入第一行读取密码（也可用环境变量 JYDESK_PASSWORD）")
    group.add_argument("--recovery", action="store_true", help="用恢复密钥代替专干密码（提示输入或从标准输入读取）")


def read_line(what: str, *, from_stdin: bool) -> str:
    """A secret: the first line of stdin (``from_stdin`` or stdin not a terminal), else a prompt."""
    if from_stdin or not sys.stdin.isatty():
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise CommandError(f"未从标准输入读到{what}", LOGIN_FAILED)
        return value
    try:
        value = getpass.getpass(f"{what}：")
    except EOFError:
        value = ""
    if not value:
        raise CommandError(f"未输入{what}", LOGIN_FAILED)
    return value


def login_key(args: argparse.Namespace, slots_file: Path | None = None) -> DataKey:
    """The data key, unwrapped with the clerk's password or the recovery key (``slots_file``:
    another slot file than the data folder's, e.g. a backup's)."""
    from jydesk.store.keyslots import KeySlots, KeySlotsError
    from jydesk.store.unlock import LoginRefused, folder_state, unlock_key

    try:
        slots = KeySlots.load(slots_file) if slots_file is not None else KeySlots.for_data_dir(args.data_dir)
    except KeySlotsError as exc:
        raise CommandError(str(exc), LOGIN_FAILED) from None
    if slots.empty and slots_file is None and folder_state(args.data_dir) == "new":
        raise CommandError(f"数据文件夹 {args.data_dir} 中没有数据库（请先运行 jydesk 完成首次设置，或用 --data-dir 指定）")
    if getattr(args, "recovery", False):
        key = slots.unlock_recovery(read_line("恢复密钥", from_stdin=args.password_stdin))
        if key is None:
            raise CommandError("恢复密钥不正确", LOGIN_FAILED)
        return key
    username = (getattr(args, "login_user", None) or os.environ.get("JYDESK_USER") or "").strip()
    if not username:
        raise CommandError("数据已加密，需要专干登录：请加 --user 用户名（或设置环境变量 JYDESK_USER）", LOGIN_FAILED)
    if getattr(args, "password_stdin", False):
        password = read_line("密码", from_stdin=True)
    else:
        password = os.environ.get("JYDESK_PASSWORD") or read_line(f"{username} 的密码", from_stdin=False)
    if slots_file is not None:
        key = slots.unlock(username, password)
        if key is None:
            raise CommandError("用户名或密码错误", LOGIN_FAILED)
        return key
    try:
        return unlock_key(args.data_dir, username, password)
    except LoginRefused as exc:
        raise CommandError(str(exc), LOGIN_FAILED) from None


def open_logged_in(args: argparse.Namespace) -> Store:
    """The data folder's store, opened with the key the clerk's login unwraps."""
    from jydesk.store import open_store

    upgrade_if_plain(args)
    return open_store(args.data_dir, key=login_key(args))


def upgrade_if_plain(args: argparse.Namespace) -> None:
    """A data folder from before encryption is encrypted first (its clerks' passwords keep working)."""
    from jydesk.store.unlock import folder_state

    if folder_state(args.data_dir) != "plain":
        return
    from jydesk.store.encrypt_upgrade import encrypt_plain_folder

    print("正在加密旧版数据文件（只需一次）……", file=sys.stderr)
    result = encrypt_plain_folder(args.data_dir)
    print(f"数据文件已加密。恢复密钥（只显示这一次，请抄写或打印后交乡镇（街道）保管）：{result.recovery_key}",
          file=sys.stderr)
