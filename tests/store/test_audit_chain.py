"""The audit log's hash chain: sealed in the inserting transaction on every write path, verified
over the whole file, and broken links found when the file is edited outside the app (an
attacker who drops the guard triggers first) — an edit, a deletion, a reordering."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from jydesk.domain.idnumber import check_digit
from jydesk.store import Actor, Store
from jydesk.store.audit import chain
from jydesk.store.connection import IntegrityError
from jydesk.store.database import DB_FILENAME
from jydesk.store.demo import generate
from jydesk.store.models import AuditEntry, Household, Person
from jydesk.store.unit_of_work import SERVER_ACTOR
from tests.keys import db_connect, keyed

CLERK = Actor("clerk-1", "李专干")


def number(seq: int) -> str:
    first17 = f"51018519600101{seq:03d}"
    return first17 + check_digit(first17)


def check(store: Store) -> chain.ChainReport:
    with store.sql() as db:
        return chain.verify(db)


def tamper(data_dir: Path, *statements: str) -> None:
    """Edit the file as someone outside the app would: plain sqlite3, guard triggers dropped."""
    conn = db_connect(data_dir / DB_FILENAME)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


@pytest.fixture
def busy(store: Store) -> Store:
    """A store with entries from every write path: ORM saves, audit-only events, bulk inserts."""
    with store.write(CLERK) as w:
        hh = w.add(Household(address="安象街4组6号", group_no=4))
        w.add(Person(name="周大山", id_number=number(1), household_id=hh.id))
    with store.write(CLERK) as w:
        p = w.session.execute(select(Person)).scalar_one()
        p.monthly_income = 850
        w.audit("reveal", entity="person", record_id=p.id, detail="查看完整身份证号")
    generate(store, 5, seed=3)  # bulk_insert
    return store


def test_every_write_path_extends_one_unbroken_chain(busy: Store):
    report = check(busy)
    assert report.ok, report.message
    with busy.read() as s:
        entries = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert report.checked == len(entries) > 20
    assert [e.id for e in entries] == list(range(entries[0].id, entries[0].id + len(entries)))
    assert all(e.hash and len(e.hash) == 64 for e in entries)
    # Each hash follows from the one before: recompute the second from the first.
    first, second = entries[0], entries[1]
    assert second.hash == chain.entry_hash(first.hash, second.id, second.at, second.actor_id, second.actor_name,
                                           second.action, second.entity, second.record_id, second.changes,
                                           second.detail)


def test_edited_entry_is_the_first_broken_link(busy: Store, data_dir: Path):
    busy.close()
    tamper(data_dir, "UPDATE audit_log SET actor_name = '王五' WHERE id = 5")
    store = keyed(data_dir)
    report = check(store)
    assert not report.ok and report.broken is not None
    assert report.broken.id == 5 and report.checked == 4
    assert "第 5 条" in report.message and report.broken.at[:4].isdigit()
    store.close()


def test_changed_before_after_values_are_found(busy: Store, data_dir: Path):
    busy.close()
    tamper(data_dir, "UPDATE audit_log SET changes = replace(changes, '850', '950') WHERE action = 'update'")
    store = keyed(data_dir)
    with store.sql() as db:
        updated = db.execute("SELECT min(id) FROM audit_log WHERE action = 'update'").fetchone()[0]
    assert check(store).broken.id == updated
    store.close()


def test_deleted_entry_breaks_the_link_after_it(busy: Store, data_dir: Path):
    busy.close()
    tamper(data_dir, "DELETE FROM audit_log WHERE id = 7")
    store = keyed(data_dir)
    report = check(store)
    assert report.broken.id == 8 and "缺少第 7 条" in report.message
    store.close()


def test_reordered_entries_are_found(busy: Store, data_dir: Path):
    busy.close()
    tamper(data_dir, "UPDATE audit_log SET id = -3 WHERE id = 3", "UPDATE audit_log SET id = 3 WHERE id = 4",
           "UPDATE audit_log SET id = 4 WHERE id = -3")
    store = keyed(data_dir)
    assert check(store).broken.id == 3
    store.close()


def test_a_rebuilt_hash_alone_does_not_hide_an_edit(busy: Store, data_dir: Path):
    """Editing an entry and recomputing its own hash breaks the next link."""
    busy.close()
    conn = db_connect(data_dir / DB_FILENAME)
    prev = conn.execute("SELECT hash FROM audit_log WHERE id = 5").fetchone()[0]
    row = conn.execute(f"SELECT {chain.COLUMNS} FROM audit_log WHERE id = 6").fetchone()
    forged = chain.entry_hash(prev, row[0], row[1], row[2], "王五", *row[4:7], chain.stored_changes(row[7]), row[8])
    conn.close()
    tamper(data_dir, f"UPDATE audit_log SET actor_name = '王五', hash = '{forged}' WHERE id = 6")
    store = keyed(data_dir)
    assert check(store).broken.id == 7
    store.close()


def test_entry_without_hash_is_refused_by_the_database(store: Store, data_dir: Path):
    conn = db_connect(data_dir / DB_FILENAME)
    with pytest.raises(IntegrityError, match="without its hash"):
        conn.execute("INSERT INTO audit_log (at, actor_id, actor_name, action) VALUES ('2026-01-01', 'x', 'x', 'x')")
    conn.close()


def test_failed_savepoint_leaves_the_chain_whole(store: Store):
    """A savepoint rolled back after its entries were sealed (the careful pull path): the next
    entries link to the entries that stayed, not to the ones rolled back."""
    with store.write(SERVER_ACTOR, origin="server") as w:
        w.audit("sync", detail="a")
        w.flush()
        try:
            with w.session.begin_nested():
                w.audit("sync", detail="rolled back")
                w.flush()
                raise RuntimeError("refused")
        except RuntimeError:
            pass
        w.audit("sync", detail="b")
    report = check(store)
    assert report.ok, report.message
    with store.sql() as db:
        assert [r[0] for r in db.execute("SELECT detail FROM audit_log WHERE action = 'sync'")] == ["a", "b"]


def test_control_characters_and_huge_values_hash_and_verify(store: Store):
    with store.write(CLERK) as w:
        w.audit("print", detail="x\x00y\u202e" + "长" * 100_000, changes={"a": [None, 10**18], "b": ["\x07", 1.5]})
        w.audit("print", changes={"big": [10**30, -(10**40)], "nan": float("nan"), 3: "int key"})
    generate(store, 2, seed=1)  # bulk entries after them
    assert check(store).ok


def test_migration_chains_entries_written_before_it(data_dir: Path):
    store = keyed(data_dir, migrate_to="0007")
    conn = db_connect(data_dir / DB_FILENAME)
    conn.executemany("INSERT INTO audit_log (at, actor_id, actor_name, action, detail, changes) VALUES (?,?,?,?,?,?)",
                     [("2025-01-02 03:04:05", "u", "老专干", "login", f"第{i}次", None if i % 2 else '{"a": [1, 2]}')
                      for i in range(50)])
    conn.commit()
    conn.close()
    store.close()
    store = keyed(data_dir)
    report = check(store)
    assert report.ok and report.checked == 50
    with store.write(CLERK) as w:
        w.audit("login", detail="新")
    assert check(store).checked == 51
    store.close()
