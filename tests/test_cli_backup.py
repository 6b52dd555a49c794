"""``jydesk backup`` / ``jydesk restore``, damaged files met by any command, and the data folder's
lock taken by the long writers (demo-data, restore; not sync, which runs beside the app) — all run as real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.keys import db_connect, folder_key
from tests.test_cli import jydesk

HOLD = """
import sys, time
from jydesk.store.instance_lock import InstanceLock
lock = InstanceLock(sys.argv[1], "程序窗口").acquire()
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture(scope="module")
def village(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "data"
    jydesk(folder, "demo-data", "--households", "30", "--seed", "3")
    return folder


def _people(folder: Path) -> int:
    return len(json.loads(jydesk(folder, "search", "z", "--limit", "1000", "--json").stdout))


def test_backup_then_restore_keeps_the_replaced_database(village, tmp_path):
    data = tmp_path / "data"
    jydesk(village, "backup", "-o", str(tmp_path / "seed.sqlite3"))
    out = jydesk(data, "restore", str(tmp_path / "seed.sqlite3")).stdout
    assert "已用备份" in out
    before = _people(data)
    copy = tmp_path / "copy.sqlite3"
    assert "已通过完整性检查" in jydesk(data, "backup", "-o", str(copy)).stdout
    jydesk(data, "demo-data", "--households", "5", "--seed", "9", "--force")
    assert _people(data) > before
    out = jydesk(data, "restore", str(copy)).stdout
    assert _people(data) == before
    kept = next(line.split("保留为 ", 1)[1] for line in out.splitlines() if "保留为" in line)
    with db_connect(kept, folder_key(village)) as conn:
        assert conn.execute("SELECT count(*) FROM households").fetchone()[0] == 35
    usb = tmp_path / "usb"
    usb.mkdir()
    jydesk(data, "backup", "-o", str(usb))
    assert len(list(usb.glob("jydesk-*.sqlite3"))) == 1


def test_restore_refuses_a_file_that_is_not_a_backup(village, tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"\x00" * 4096)
    proc = jydesk(village, "restore", str(bad), check=False)
    assert proc.returncode == 1 and "不能用于恢复" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("damage", ["empty", "flipped", "truncated"])
def test_a_damaged_file_gives_one_chinese_line_and_is_left_alone(village, tmp_path, damage):
    data = tmp_path / "data"
    jydesk(village, "backup", "-o", str(tmp_path / "b.sqlite3"))
    jydesk(data, "restore", str(tmp_path / "b.sqlite3"))
    path = data / "jydesk.sqlite3"
    raw = bytearray(path.read_bytes())
    if damage == "empty":
        raw = bytearray()
    elif damage == "truncated":
        raw = raw[: len(raw) // 3]
    else:
        with db_connect(tmp_path / "b.sqlite3", folder_key(village)) as conn:
            root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'person_search'").fetchone()[0]
            page = int(conn.execute("PRAGMA page_size").fetchone()[0])
        raw[(root - 1) * page + 100] ^= 0xFF  # inside an encrypted page: its HMAC no longer matches
    path.write_bytes(bytes(raw))
    proc = jydesk(data, "search", "张", check=False)
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert str(path) in proc.stderr and "恢复" in proc.stderr
    assert path.read_bytes() == bytes(raw)


def test_long_writers_wait_for_no_one_but_refuse_a_held_folder(village, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(village)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for args in (["demo-data", "--households", "2"], ["restore", str(tmp_path / "x.sqlite3")]):
            proc = jydesk(village, *args, check=False)
            assert proc.returncode == 1, args
            assert "正在被另一个 jydesk 使用（程序窗口" in proc.stderr, proc.stderr
        # The night-time sync job runs beside an open app (one sync at a time is the sync's own lock).
        proc = jydesk(village, "sync", check=False)
        assert "正在被另一个 jydesk 使用" not in proc.stderr and "尚未登记" in proc.stderr, proc.stderr
        assert "已通过完整性检查" in jydesk(village, "backup", "-o", str(tmp_path / "b.sqlite3")).stdout
    finally:
        holder.communicate("", timeout=30)
    jydesk(village, "demo-data", "--households", "1", "--if-empty")  # the lock went with the process
