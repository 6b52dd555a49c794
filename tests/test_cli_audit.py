"""``jydesk audit`` and ``jydesk audit verify`` as real processes: filters, JSON, masked 身份证号,
bad input in one Chinese line, a broken chain found with a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from jydesk.store import Actor
from jydesk.store.database import DB_FILENAME
from jydesk.store.installation import set_up_village
from jydesk.store.models import Person
from tests.keys import db_connect, keyed
from tests.store.test_audit_chain import number

CLERK = Actor("clerk-7", "张专干")


def jydesk(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jydesk", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    store = keyed(tmp_path)
    set_up_village(store, "510185001001", "安象街社区")
    with store.write(CLERK) as w:
        w.add(Person(name="周大山", id_number=number(3)))
    with store.write(CLERK) as w:
        person = w.session.execute(select(Person)).scalar_one()
        person.name = "周大珊"
        w.audit("reveal", entity="person", record_id=person.id, detail="查看完整身份证号")
    store.close()
    return tmp_path


def test_audit_prints_newest_first_with_masked_id_numbers(folder: Path):
    out = jydesk(folder, "audit")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "修改" in lines[0] and "查看身份证号" in lines[1] and "张专干" in lines[1]
    assert any("姓名：周大山 → 周大珊" in line for line in lines)
    assert number(3) not in out.stdout and number(3)[:6] + "********" in out.stdout
    entries = json.loads(jydesk(folder, "audit", "--json", "--user", "张专干", "--kind", "修改").stdout)
    assert [e["action"] for e in entries] == ["update"]
    assert set(entries[0]) == {"id", "at", "actor_id", "actor", "action", "kind", "entity", "record_id", "detail",
                               "changes"}
    assert entries[0]["changes"] == {"name": ["周大山", "周大珊"]}
    created = json.loads(jydesk(folder, "audit", "--json", "--kind", "新增").stdout)[0]
    assert created["changes"]["id_number"][1] == number(3)[:6] + "********" + number(3)[-4:]
    assert json.loads(jydesk(folder, "audit", "--json", "--since", "2000-01-01", "--until", "2000-12-31").stdout) == []
    assert len(json.loads(jydesk(folder, "audit", "--json", "--limit", "1").stdout)) == 1
    everything = json.loads(jydesk(folder, "audit", "--json").stdout)
    assert json.loads(jydesk(folder, "audit", "--json", "--since", "0001-01-01", "--until", "9999-12-31").stdout) == \
        everything


@pytest.mark.parametrize(("args", "words"), [
    (("--since", "2026-13-01"), "--since 的日期“2026-13-01”无效"),
    (("--since", "2026-02-01", "--until", "2026-01-01"), "不能晚于"),
    (("--user", "nobody"), "找不到操作人“nobody”"),
    (("--kind", "偷看"), "--kind 的值“偷看”无效"),
    (("--limit", "0"), "正整数"),
    (("--limit", "x"), "应为整数"),
    (("verify-all",), "无效"),
    (("--since", "\x07"), "无效"),
])
def test_bad_input_is_one_chinese_line(folder: Path, args: tuple[str, ...], words: str):
    out = jydesk(folder, "audit", *args)
    assert out.returncode != 0 and words in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_verify_passes_then_finds_the_edited_entry(folder: Path):
    ok = jydesk(folder, "audit", "verify")
    assert ok.returncode == 0 and "操作日志完整" in ok.stdout
    conn = db_connect(folder / DB_FILENAME)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET detail = '改过' WHERE id = 2")
    conn.commit()
    conn.close()
    broken = jydesk(folder, "audit", "verify")
    assert broken.returncode == 3 and "第 2 条" in broken.stderr and "Traceback" not in broken.stderr
    report = json.loads(jydesk(folder, "audit", "verify", "--json").stdout)
    assert report["ok"] is False and report["broken"]["id"] == 2


def test_missing_database_is_refused(tmp_path: Path):
    out = jydesk(tmp_path / "nothing", "audit", "verify")
    assert out.returncode != 0 and "没有数据库" in out.stderr


def test_command_line_backup_and_restore_are_logged(folder: Path, tmp_path: Path):
    copies = tmp_path / "copies"
    copies.mkdir()
    made = jydesk(folder, "backup", "-o", str(copies))
    assert made.returncode == 0, made.stderr
    logged = json.loads(jydesk(folder, "audit", "--json", "--kind", "备份恢复").stdout)
    assert logged[0]["action"] == "backup" and logged[0]["actor"] == "命令行" and str(copies) in logged[0]["detail"]
    backup = next(copies.glob("*.sqlite3"))
    restored = jydesk(folder, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    after = json.loads(jydesk(folder, "audit", "--json", "--kind", "备份恢复").stdout)
    assert after[0]["action"] == "restore" and str(backup) in after[0]["detail"]
    assert jydesk(folder, "audit", "verify").returncode == 0
