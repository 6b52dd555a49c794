"""Home visits on 100k people: due-list computation (budget ≤ 100 ms), 12-week 特殊困难老年人周探访率
per 组, roster rows (read-only). Prints the machine's speed (a fixed Python loop) beside the
figures: the reference 2-core machine does it in about 0.15 s when idle."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import text

from benchmarks.common import bench_key, database_100k, percentiles, timed
from jydesk.domain.visits import IsoWeek
from jydesk.store import open_store
from jydesk.store.visits import due_list, due_roster, weekly_coverage

BUDGET_DUE_MS = 100


def main() -> None:
    store = open_store(database_100k(), key=bench_key())
    try:
        with store.read() as s:
            latest = s.execute(text("SELECT max(visited_on) FROM visits")).scalar()
        today = date.fromisoformat(str(latest)) if latest else date.today()
        week = IsoWeek.of(today)
        started = time.perf_counter()
        sum(range(10**7))
        print(f"machine speed: 10^7 loop in {time.perf_counter() - started:.2f} s (idle reference ≈ 0.15 s)")
        with store.read() as s:
            samples, items = timed(lambda: due_list(s, week, today), 7)
            p50 = sorted(samples)[len(samples) // 2]
            print(f"due list {week} ({len(items):,} people listed): {percentiles(samples)} — "  # type: ignore[arg-type]
                  f"budget {BUDGET_DUE_MS} ms: {'OK' if p50 <= BUDGET_DUE_MS else 'OVER'}")
            samples, result = timed(lambda: weekly_coverage(s, week, 12), 5)
            last = result.history[-1]  # type: ignore[attr-defined]
            print(f"特殊困难老年人周探访率, 12 weeks, {len(result.groups)} 组 (due this week {last.due:,}, "  # type: ignore[attr-defined]
                  f"done {last.done:,}): {percentiles(samples)}")
            samples, rows = timed(lambda: due_roster(s, week), 5)
            print(f"roster rows ({len(rows):,} due): {percentiles(samples)}")  # type: ignore[arg-type]
    finally:
        store.close()


if __name__ == "__main__":
    main()
