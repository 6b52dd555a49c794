"""Local store: bulk insert rate, search latency per query kind, save-one-record latency (100k people)."""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from benchmarks.common import bench_key, database_100k, p95, percentiles
from jydesk.store import Actor, open_store
from jydesk.store.demo import generate
from jydesk.store.models import Person
from jydesk.store.search import search

BUDGET_SEARCH_MS = 5.0
BUDGET_SAVE_MS = 5.0


def bench_bulk_insert() -> None:
    folder = Path(tempfile.mkdtemp(prefix="jydesk-bulk-"))
    try:
        store = open_store(folder, key=bench_key())
        started = time.perf_counter()
        summary = generate(store, 3000, 1)
        elapsed = time.perf_counter() - started
        store.close()
        print(f"bulk insert through the unit of work (row + audit + outbox + search terms): "
              f"{summary.persons / elapsed:,.0f} persons/s ({summary.persons} persons, {summary.households} households)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_search(folder: Path, key: object = "bench") -> None:
    store = open_store(folder, key=bench_key() if key == "bench" else key)  # type: ignore[arg-type]
    rng = random.Random(5)
    with store.read() as s:
        people = s.execute(select(Person.name, Person.id_number).where(Person.deleted.is_(False))).all()
        total = len(people)
        sample = rng.sample(people, 300)
        from jydesk.domain.pinyin import initials

        queries = {
            "1 character": [n[rng.randrange(len(n))] for n, _ in sample],
            "2 characters": [n[:2] for n, _ in sample],
            "3+ characters": [n for n, _ in sample if len(n) >= 3] or [n for n, _ in sample],
            "pinyin initials": [initials(n) for n, _ in sample],
            "ID tail (6)": [i[-6:] for _, i in sample],
            "ID tail (4)": [i[-4:] for _, i in sample],
            "full ID number": [i for _, i in sample],
        }
    with store.sql() as conn:  # the search box reads through plain SQL (store.sql())
        print(f"search over {total:,} people (limit 50):")
        worst = 0.0
        for kind, qs in queries.items():
            for q in qs[:20]:
                search(conn, q)  # warm the page cache
            samples = []
            for q in qs:
                t0 = time.perf_counter()
                search(conn, q)
                samples.append((time.perf_counter() - t0) * 1000)
            worst = max(worst, p95(samples))
            print(f"  {kind:16s} {percentiles(samples)}")
        print(f"  worst p95 {worst:.2f} ms — budget {BUDGET_SEARCH_MS} ms: {'OK' if worst <= BUDGET_SEARCH_MS else 'OVER'}")
    store.close()


def bench_save_one(folder: Path, key: object = "bench") -> None:
    store = open_store(folder, key=bench_key() if key == "bench" else key)  # type: ignore[arg-type]
    actor = Actor("bench", "基准测试")
    with store.read() as s:
        ids = list(s.execute(select(Person.id).limit(400)).scalars())
    samples = []
    for i, pid in enumerate(ids):
        t0 = time.perf_counter()
        with store.write(actor) as w:
            p = w.session.get(Person, pid)
            p.phone = f"1390000{i:04d}"
        samples.append((time.perf_counter() - t0) * 1000)
    worst = p95(samples)
    print(f"save one person (row + audit + outbox + reindex, synchronous=FULL): {percentiles(samples)} — "
          f"budget p95 {BUDGET_SAVE_MS} ms: {'OK' if worst <= BUDGET_SAVE_MS else 'OVER'}")
    store.close()


def main() -> None:
    bench_bulk_insert()
    folder = database_100k()
    bench_search(folder)
    bench_save_one(folder)


if __name__ == "__main__":
    main()
