"""Damaged, truncated, empty or foreign data files are refused with a Chinese message naming the
file and never replaced; the full integrity check finds damage the cheap open check cannot;
a file from before the unique 身份证号 index that already holds duplicates still opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from jydesk.store.connection import DatabaseFileError, is_damage
from jydesk.store.database import DB_FILENAME
from jydesk.store.integrity import UNIQUE_ID_INDEX, integrity_problems
from jydesk.store.models import Person
from tests.keys import TEST_KEY, db_connect, keyed
from tests.store.writer_child import id_number


def _filled(data_dir: Path, clerk, people: int = 300) -> Path:
    store = keyed(data_dir)
    from jydesk.store.installation import set_up_village

    set_up_village(store, "510185001001", "安象街社区")
    with store.write(clerk) as w:
        for i in range(people):
            w.add(Person(name=f"居民{i}", id_number=id_number(i), note="备注" * 40))
    store.close()
    path = data_dir / DB_FILENAME
    with db_connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def test_an_empty_file_is_refused_and_left_as_it_is(data_dir):
    path = data_dir / DB_FILENAME
    path.write_bytes(b"")
    with pytest.raises(DatabaseFileError, match="空文件") as info:
        keyed(data_dir)
    assert str(path) in str(info.value)
    assert path.stat().st_size == 0


@pytest.mark.parametrize(("damage", "reason"), [
    ("truncate", "不完整|已损坏"),
    ("header", "文件头已损坏"),
    ("text", "不是 jydesk 数据库文件"),
])
def test_truncated_or_foreign_files_are_refused_before_anything_else(data_dir, clerk, damage, reason):
    path = _filled(data_dir, clerk)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "header":
        path.write_bytes(data[:10] + b"\xff" * 6 + data[16:])
    else:
        path.write_text("这不是数据库", encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(DatabaseFileError, match=reason):
        keyed(data_dir)
    assert path.read_bytes() == before


def test_a_flipped_byte_is_found_by_the_integrity_check(data_dir, clerk):
    path = _filled(data_dir, clerk)
    assert integrity_problems(path, TEST_KEY) == []
    data = bytearray(path.read_bytes())
    with db_connect(path) as conn:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'persons'").fetchone()[0]
    data[(root - 1) * page_size] ^= 0xFF  # the b-tree page type of the persons table's root
    path.write_bytes(bytes(data))
    problems = integrity_problems(path, TEST_KEY)
    assert problems
    store = keyed(data_dir)  # the cheap check passes; the damage surfaces where it is read
    try:
        with pytest.raises(Exception) as info, store.sql() as db:
            db.execute("SELECT count(*) FROM persons WHERE note IS NOT NULL").fetchall()
        assert is_damage(info.value)
    finally:
        store.close()


def test_a_file_with_duplicate_live_id_numbers_opens_and_lists_them(data_dir, clerk):
    old = keyed(data_dir, migrate_to="0003")
    old.close()
    path = data_dir / DB_FILENAME
    with db_connect(path) as conn:
        for pid, name in (("p1", "王一"), ("p2", "王二")):
            conn.execute("INSERT INTO persons (id, village_code, server_revision, deleted, created_at, updated_at, "
                         "name, id_number, care_flags) VALUES (?, '510185001001', 0, 0, '2026-01-01', '2026-01-01', "
                         "?, ?, '[]')", (pid, name, id_number(1)))
    store = keyed(data_dir)
    assert [(d.id_number, d.people) for d in store.duplicate_id_numbers] == [(id_number(1), "王一（p1）、王二（p2）")]
    store.close()
    with db_connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM persons").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (UNIQUE_ID_INDEX,)).fetchone() == (0,)
        conn.execute("UPDATE persons SET deleted = 1 WHERE id = 'p2'")  # the clerk fixes it
    store = keyed(data_dir)
    assert store.duplicate_id_numbers == []
    store.close()
    with db_connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (UNIQUE_ID_INDEX,)).fetchone() == (1,)
