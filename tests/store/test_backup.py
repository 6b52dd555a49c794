"""Backups: consistent while another process writes, atomic, checked before they count, kept
7 daily + 4 weekly; restore checks the backup first and keeps the replaced database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from jydesk.store.backup import (
    backup_to,
    daily_backup_due,
    list_backups,
    make_backup,
    newest_good_backup,
    prune,
)
from jydesk.store.connection import DatabaseFileError
from jydesk.store.database import DB_FILENAME
from jydesk.store.installation import set_up_village
from jydesk.store.integrity import integrity_problems
from jydesk.store.models import Person
from jydesk.store.restore import RestoreError, restore
from tests.keys import TEST_KEY, db_connect, keyed
from tests.store.writer_child import id_number

ROOT = Path(__file__).resolve().parents[2]


def _people(path: Path) -> int:
    with db_connect(path) as conn:
        return conn.execute("SELECT count(*) FROM persons").fetchone()[0]


def _add(store, clerk, start: int, n: int) -> None:
    with store.write(clerk) as w:
        for i in range(start, start + n):
            w.add(Person(name=f"居民{i}", id_number=id_number(i)))


def test_backups_taken_while_another_process_writes_are_whole_and_consistent(store, data_dir, tmp_path):
    go = tmp_path / "go"
    go.touch()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen([sys.executable, "-m", "tests.store.writer_child", str(data_dir), "saves", "400", "1",
                              str(go)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    taken = []
    while child.poll() is None:
        taken.append(backup_to(store.path, TEST_KEY, tmp_path / f"copy{len(taken)}.sqlite3"))
    out, err = child.communicate()
    assert child.returncode == 0, err
    assert '"failures": []' in out  # the writer never met "database is locked"
    taken.append(backup_to(store.path, TEST_KEY, tmp_path / "last.sqlite3"))
    for copy in taken:
        assert integrity_problems(copy, TEST_KEY) == []
        assert not Path(f"{copy}-wal").exists()
        with db_connect(copy) as conn:  # each save's row, audit entry and outbox entry together
            persons = conn.execute("SELECT count(*) FROM persons").fetchone()[0]
            assert conn.execute("SELECT count(*) FROM audit_log WHERE entity = 'person'").fetchone()[0] == persons
            assert conn.execute("SELECT count(*) FROM outbox WHERE entity = 'person'").fetchone()[0] == persons
    assert _people(taken[-1]) == 400
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_damaged_source_gives_no_backup_file(data_dir, tmp_path):
    (data_dir / DB_FILENAME).write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(DatabaseFileError):
        backup_to(data_dir / DB_FILENAME, TEST_KEY, tmp_path / "out.sqlite3")
    assert list(tmp_path.glob("*out*")) == []


def test_backup_into_a_folder_names_a_dated_file(store, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    first = backup_to(store.path, TEST_KEY, usb, now=datetime(2026, 3, 1, 8, 0))
    second = backup_to(store.path, TEST_KEY, usb, now=datetime(2026, 3, 1, 8, 0))
    assert first.parent == usb and first != second
    assert first.name.startswith("jydesk-20260301-080000")


def test_daily_backups_keep_seven_days_and_four_weeks(store):
    start = datetime(2026, 1, 1, 9, 0)
    for day in range(60):
        for hour in (0, 5):  # two starts a day: the newest of each day counts
            make_backup(store.path, TEST_KEY, now=start + timedelta(days=day, hours=hour))
    dailies = [b for b in list_backups(store.data_dir) if b.kind == "daily"]
    days = sorted({b.taken_at.date() for b in dailies})
    assert len(days) == len(dailies)
    last = (start + timedelta(days=59)).date()
    assert [d for d in days if d > last - timedelta(days=7)] == [last - timedelta(days=i) for i in range(6, -1, -1)]
    weeks = {tuple(d.isocalendar())[:2] for d in days}
    assert len(weeks) == 4  # the last 7 days span 1-2 of the 4 kept weeks
    assert len(days) <= 7 + 4
    assert all(b.taken_at.hour == 14 for b in dailies)
    assert not daily_backup_due(store.data_dir, last)
    assert daily_backup_due(store.data_dir, last + timedelta(days=1))
    assert prune(store.data_dir) == []


def test_newest_good_backup_skips_broken_files(store, clerk):
    older = make_backup(store.path, TEST_KEY, now=datetime(2026, 3, 1, 8, 0))
    newer = make_backup(store.path, TEST_KEY, now=datetime(2026, 3, 2, 8, 0))
    assert newest_good_backup(store.data_dir, TEST_KEY) == newer
    newer.path.write_bytes(newer.path.read_bytes()[:50])
    assert newest_good_backup(store.data_dir, TEST_KEY) == older


def test_restore_checks_the_backup_and_keeps_the_replaced_database(store, data_dir, clerk, tmp_path):
    _add(store, clerk, 0, 3)
    saved = backup_to(store.path, TEST_KEY, tmp_path / "b.sqlite3")
    _add(store, clerk, 3, 2)
    store.close()
    result = restore(data_dir, saved, TEST_KEY)
    assert result.facts.people == 3
    assert _people(data_dir / DB_FILENAME) == 3
    assert result.kept is not None and result.kept.name.endswith("-before-restore.sqlite3")
    assert _people(result.kept) == 5
    reopened = keyed(data_dir)
    with reopened.sql() as db:
        assert db.execute("SELECT count(*) FROM persons").fetchone() == (3,)
    reopened.close()


def test_restore_refuses_a_bad_backup_and_leaves_the_database_alone(store, data_dir, tmp_path):
    store.close()
    before = (data_dir / DB_FILENAME).read_bytes()
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a backup")
    with pytest.raises(RestoreError, match="不能用于恢复"):
        restore(data_dir, bad, TEST_KEY)
    with pytest.raises(RestoreError, match="不存在"):
        restore(data_dir, tmp_path / "missing.sqlite3", TEST_KEY)
    assert (data_dir / DB_FILENAME).read_bytes() == before
    assert not (data_dir / "backups").exists()


def test_restore_refuses_another_villages_backup(store, data_dir, tmp_path):
    other_dir = tmp_path / "other"
    other = keyed(other_dir)
    set_up_village(other, "510185002002", "别的村")
    other.close()
    store.close()
    with pytest.raises(RestoreError, match="另一个村"):
        restore(data_dir, other_dir / DB_FILENAME, TEST_KEY)


def test_restore_over_a_damaged_file_sets_the_damaged_file_aside(store, data_dir, tmp_path):
    saved = backup_to(store.path, TEST_KEY, tmp_path / "b.sqlite3")
    store.close()
    path = data_dir / DB_FILENAME
    damaged = path.read_bytes()[:100] + b"\x00" * 10
    path.write_bytes(damaged)
    result = restore(data_dir, saved, TEST_KEY)
    assert result.kept is not None and result.kept.read_bytes() == damaged
    assert newest_good_backup(data_dir, TEST_KEY) is None  # the damaged file never counts as a good backup
    assert integrity_problems(path, TEST_KEY) == []
