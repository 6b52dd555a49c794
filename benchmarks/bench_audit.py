"""The audit log: one record's history, the 操作日志's first page over 1 million entries (each
filter), the hash chain's cost per save, verifying the whole chain, exporting to .xlsx.

Budgets (docs/architecture.md § Budgets): history ≤ 20 ms; first page ≤ 50 ms; save p95 ≤ 5 ms.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from benchmarks.common import BENCH_DIR, bench_key, p95, percentiles
from jydesk.store.connection import connect

ENTRIES = 1_000_000
BUDGET_HISTORY_MS = 20.0
BUDGET_FIRST_PAGE_MS = 50.0
BUDGET_SAVE_MS = 5.0
ACTIONS = ["update"] * 50 + ["create"] * 20 + ["print"] * 10 + ["reveal"] * 5 + ["login"] * 8 + ["lock"] * 4 + \
    ["delete", "sync", "login_failed"]
CLERKS = [("clerk-a", "李专干"), ("clerk-b", "王专干"), ("clerk-c", "赵专干"), ("server", "市级平台同步")]


def database_1m() -> Path:
    """A demo village whose audit log holds ≥ 1 million chained entries over one year (cached)."""
    folder = BENCH_DIR / "audit-1m"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    from jydesk.store import open_store
    from jydesk.store.audit import chain
    from jydesk.store.database import DB_FILENAME
    from jydesk.store.demo import generate

    started = time.perf_counter()
    store = open_store(folder, key=bench_key())
    generate(store, 300, seed=11)
    with store.sql() as db:
        people = [r[0] for r in db.execute("SELECT id FROM persons")]
        have = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    store.close()
    rng = random.Random(5)
    # A year of a big village: most entries about many records (1% each about the demo people, so a
    # person has ~10 entries), logins and locks about none.
    others = [f"0190{n:08x}-0000-7000-8000-000000000000" for n in range(100_000)]
    start = datetime(2025, 12, 1)
    step = timedelta(days=365) / ENTRIES
    conn = connect(folder / DB_FILENAME, bench_key())  # autocommit, SQLCipher
    conn.execute("BEGIN IMMEDIATE")
    tail = chain.tail(conn)
    for first in range(0, ENTRIES - have, 50_000):
        rows = []
        for i in range(first, min(first + 50_000, ENTRIES - have)):
            action = rng.choice(ACTIONS)
            actor_id, name = rng.choice(CLERKS)
            pid = rng.choice(people) if rng.random() < 0.01 else rng.choice(others)
            changes = {"phone": [f"1380000{i % 10000:04d}", f"1390000{i % 10000:04d}"]} if action == "update" else None
            rows.append((start + step * i, actor_id, name, action, "person", pid, changes, None))
        sealed = chain.seal_rows(tail, rows)
        conn.executemany(chain.INSERT_SQL, sealed)
        tail = (sealed[-1][0], sealed[-1][-1])
    conn.execute("COMMIT")
    conn.close()
    marker.write_text(f"{ENTRIES} entries in {time.perf_counter() - started:.1f} s\n")
    print(f"built {folder}: {ENTRIES:,} audit entries in {time.perf_counter() - started:.1f} s")
    return folder


def _ms(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def bench_history(store) -> None:
    from jydesk.store.audit.events import read_history

    with store.sql() as db:
        people = [r[0] for r in db.execute("SELECT id FROM persons ORDER BY random() LIMIT 200")]
        households = [r[0] for r in db.execute("SELECT id FROM households ORDER BY random() LIMIT 100")]
        busy = db.execute("SELECT record_id FROM audit_log WHERE entity = 'person' GROUP BY record_id "
                          "ORDER BY count(*) DESC LIMIT 20").fetchall()
    for entity, ids in (("person", people), ("household", households), ("person", [r[0] for r in busy])):
        sizes = []
        samples = []
        for rid in ids:
            t0 = time.perf_counter()
            rows, _names = read_history(store, entity, rid)
            samples.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(rows))
        worst = p95(samples)
        print(f"history of one {entity:9s} ({min(sizes)}–{max(sizes)} entries): {percentiles(samples)} — budget "
              f"{BUDGET_HISTORY_MS} ms: {'OK' if worst <= BUDGET_HISTORY_MS else 'OVER'}")


def bench_first_page(store) -> None:
    from jydesk.store.audit.log import AuditListing, LogFilter

    with store.sql() as db:
        some_person = db.execute("SELECT record_id FROM audit_log WHERE id = 500000").fetchone()[0]
    filters = {
        "no filter": LogFilter(),
        "one clerk": LogFilter(actor_id="clerk-b"),
        "kind 修改": LogFilter(kind="修改"),
        "kind 锁定 (rare)": LogFilter(kind="锁定"),
        "kind 同步 (rarest)": LogFilter(kind="同步"),
        "last 7 days": LogFilter(since=date(2026, 11, 24), until=date(2026, 11, 30)),
        "one month, 10 months ago": LogFilter(since=date(2026, 1, 1), until=date(2026, 1, 31)),
        "clerk + kind + month": LogFilter(actor_id="clerk-c", kind="查看身份证号", since=date(2026, 3, 1),
                                          until=date(2026, 3, 31)),
        "one record": LogFilter(record_id=some_person),
        "市级平台 + 登录 (few)": LogFilter(actor_id="server", kind="登录"),
        "市级平台 + 备份恢复 (none)": LogFilter(actor_id="server", kind="备份恢复"),
        "nothing in the range": LogFilter(since=date(2030, 1, 1)),
    }
    worst = 0.0
    for name, where in filters.items():
        samples = []
        for _ in range(15):
            listing = AuditListing(store, where)
            samples.append(_ms(lambda listing=listing: (listing.estimate(), listing.page(0, 200))))
        worst = max(worst, p95(samples))
        listing = AuditListing(store, where)
        prepare = _ms(listing.prepare)
        print(f"  first page, {name:26s} {percentiles(samples)}; full order in worker {prepare:6.0f} ms "
              f"({listing.count():,} rows)")
    print(f"操作日志 first page over {ENTRIES:,} entries: worst p95 {worst:.2f} ms — budget {BUDGET_FIRST_PAGE_MS} ms: "
          f"{'OK' if worst <= BUDGET_FIRST_PAGE_MS else 'OVER'}")
    listing = AuditListing(store)
    listing.prepare()
    deep = [_ms(lambda o=o: listing.page(o, 200)) for o in range(0, ENTRIES - 200, ENTRIES // 20)]
    print(f"  any page after the order is loaded: {percentiles(deep)}")


def bench_chain_cost(store) -> None:
    from sqlalchemy import select

    from jydesk.store import Actor
    from jydesk.store.audit import chain
    from jydesk.store.models import Person

    with store.sql() as db:
        seal = []
        for _ in range(2000):
            t0 = time.perf_counter()
            last = chain.tail(db)
            changes = chain.stored_changes(json.dumps({"phone": ["13800000000", "13900000000"],
                                                       "monthly_income": [None, "800.00"]}))
            chain.entry_hash(last[1], last[0] + 1, datetime.now(), "clerk-a", "李专干", "update", "person",
                             "0190a1b2-0000-7000-8000-000000000000", changes, None)
            seal.append((time.perf_counter() - t0) * 1000)
    print(f"hash chain per audit entry (read the tail, changes as stored, SHA-256): {percentiles(seal)}")
    actor = Actor("bench", "基准测试")
    with store.read() as s:
        ids = list(s.execute(select(Person.id).limit(300)).scalars())
    samples = []
    for i, pid in enumerate(ids):
        t0 = time.perf_counter()
        with store.write(actor) as w:
            w.session.get(Person, pid).phone = f"1370000{i:04d}"
        samples.append((time.perf_counter() - t0) * 1000)
    worst = p95(samples)
    print(f"save one person with the chain, log of {ENTRIES:,}: {percentiles(samples)} — budget p95 {BUDGET_SAVE_MS} ms: "
          f"{'OK' if worst <= BUDGET_SAVE_MS else 'OVER'}")


def bench_verify_and_export(store) -> None:
    from jydesk.store import Actor
    from jydesk.store.audit import chain
    from jydesk.store.audit.export import export_xlsx
    from jydesk.store.audit.log import LogFilter

    t0 = time.perf_counter()
    with store.sql() as db:
        report = chain.verify(db)
    elapsed = time.perf_counter() - t0
    print(f"verify the whole chain: {report.checked:,} entries in {elapsed:.2f} s "
          f"({report.checked / elapsed:,.0f} entries/s) — {'OK' if report.ok else report.message}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        count = export_xlsx(store, Actor("bench", "基准测试"), LogFilter(since=date(2026, 11, 1)), Path(tmp) / "log.xlsx")
        elapsed = time.perf_counter() - t0
        size = (Path(tmp) / "log.xlsx").stat().st_size
    print(f"export to .xlsx: {count:,} entries in {elapsed:.2f} s ({count / elapsed:,.0f} rows/s, {size / 1e6:.1f} MB)")


def main() -> None:
    from jydesk.store import open_store

    folder = database_1m()
    work = Path(tempfile.mkdtemp(prefix="jydesk-audit-bench-"))
    try:
        shutil.copytree(folder, work / "data")  # the benchmark's saves must not grow the cached log
        store = open_store(work / "data", key=bench_key())
        bench_history(store)
        bench_first_page(store)
        bench_chain_cost(store)
        bench_verify_and_export(store)
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
