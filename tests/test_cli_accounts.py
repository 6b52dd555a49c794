"""``jydesk add-clerk``: run as a real process; the password comes from stdin or a terminal prompt."""

from __future__ import annotations

import os
import pty
import select as io_select
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from jydesk.store.accounts import authenticate, create_user, list_users
from jydesk.store.installation import set_up_village
from jydesk.store.models import AuditEntry
from tests.keys import keyed

ADMIN = {"JYDESK_USER": "zhangsan", "JYDESK_PASSWORD": "admin-pass-1"}


def jydesk(data_dir, *args, stdin: str = "", login: dict[str, str] | None = None):
    return subprocess.run([sys.executable, "-m", "jydesk", "--data-dir", str(data_dir), *args],
                          input=stdin, capture_output=True, text=True, timeout=120, env={**os.environ, **(login or {})})


@pytest.fixture
def village(tmp_path):
    folder = tmp_path / "data"
    store = keyed(folder)
    set_up_village(store, "510185001001", "安象街社区")
    store.close()
    return folder


def users(folder):
    store = keyed(folder)
    try:
        return {u.username: u for u in list_users(store)}
    finally:
        store.close()


def test_first_account_must_be_admin_then_clerks_can_be_added(village):
    refused = jydesk(village, "add-clerk", "--username", "lisi", "--name", "李四", stdin="clerk-pass-1\n")
    assert refused.returncode == 1 and "--admin" in refused.stderr and not users(village)
    made = jydesk(village, "add-clerk", "--username", "zhangsan", "--name", "张三", "--admin",
                  stdin="admin-pass-1\n")
    assert made.returncode == 0, made.stderr
    assert "已创建管理员账号 zhangsan" in made.stdout and "admin-pass-1" not in made.stdout + made.stderr
    refused = jydesk(village, "add-clerk", "--username", "lisi", "--name", "李四", stdin="clerk pass 2\r\n")
    assert refused.returncode != 0 and "只有管理员" in refused.stderr  # the demo slot's holder is no administrator
    made = jydesk(village, "add-clerk", "--username", "lisi", "--name", "李四", stdin="clerk pass 2\r\n", login=ADMIN)
    assert made.returncode == 0, made.stderr
    found = users(village)
    assert found["zhangsan"].role == "admin" and found["lisi"].role == "clerk"
    store = keyed(village)
    try:
        assert authenticate(store, "lisi", "clerk pass 2").ok  # inner spaces kept, line ending dropped
        assert authenticate(store, "zhangsan", "admin-pass-1").ok
        with store.read() as s:
            rows = s.execute(select(AuditEntry).where(AuditEntry.record_id == found["lisi"].id)).scalars().all()
        made_by = {r.actor_name for r in rows if r.action in ("create_user", "role_changed")}
        assert made_by == {"命令行管理员"}
        assert not [r for r in rows if "clerk pass 2" in f"{r.detail} {r.changes}"]
    finally:
        store.close()


def test_bad_input_is_one_chinese_line_and_nothing_is_saved(village):
    store = keyed(village)
    create_user(store, "zhangsan", "张三", "admin-pass-1", role="admin")
    store.close()
    cases = [
        (["--username", "lisi", "--name", "李四"], "123\n", "密码至少需要6位"),
        (["--username", "zhangsan", "--name", "李四"], "clerk-pass-1\n", "已存在"),
        (["--username", "li si", "--name", "李四"], "clerk-pass-1\n", "用户名不能包含空格"),
        (["--username", "lisi", "--name", "李四"], "", "未从标准输入读到密码"),
    ]
    for args, stdin, message in cases:
        proc = jydesk(village, "add-clerk", *args, stdin=stdin, login=ADMIN)
        assert proc.returncode != 0, args
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("错误：") and message in lines[0], proc.stderr
    assert set(users(village)) == {"zhangsan"}


def test_password_is_not_an_argument_and_the_folder_must_exist(tmp_path, village):
    proc = jydesk(village, "add-clerk", "--username", "lisi", "--name", "李四", "--password", "x")
    assert proc.returncode == 2 and "--password" in proc.stderr
    missing = jydesk(tmp_path / "nowhere", "add-clerk", "--username", "a", "--name", "甲", "--admin",
                     stdin="admin-pass-1\n")
    assert missing.returncode == 1 and "没有数据库" in missing.stderr
    assert not (tmp_path / "nowhere" / "jydesk.sqlite3").exists()


def _run_on_terminal(args: list[str], typed: list[str]) -> tuple[int, str]:
    """Run jydesk with a pseudo-terminal as its controlling terminal, answering each prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execv(sys.executable, [sys.executable, "-m", "jydesk", *args])
    output = b""
    answers = list(typed)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = io_select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if answers and output.decode(errors="replace").rstrip().endswith("：") and not chunk.endswith(b"\n"):
            os.write(fd, (answers.pop(0) + "\n").encode())
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_prompts_twice_on_a_terminal_without_echo(village):
    base = ["--data-dir", str(village), "add-clerk", "--username", "zhangsan", "--name", "张三", "--admin"]
    status, output = _run_on_terminal(base, ["admin-pass-1", "admin-pass-9"])
    assert status == 1 and "两次输入的密码不一致" in output and not users(village)
    status, output = _run_on_terminal(base, ["admin-pass-1", "admin-pass-1"])
    assert status == 0 and "已创建管理员账号 zhangsan" in output, output
    assert "admin-pass-1" not in output  # not echoed
    assert users(village)["zhangsan"].role == "admin"
