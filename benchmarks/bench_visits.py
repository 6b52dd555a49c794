"""Home visits on 100k people: due-list computation, 12-week coverage, roster rows (read-only)."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import text

from benchmarks.common import bench_key, database_100k, percentiles
from jydesk.domain.visits import IsoWeek
from jydesk.store import open_store
from jydesk.store.visits import coverage_history, due_list, due_roster


def _timed(fn, runs: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def main() -> None:
    store = open_store(database_100k(), key=bench_key())
    try:
        with store.read() as s:
            latest = s.execute(text("SELECT max(visited_on) FROM visits")).scalar()
        today = date.fromisoformat(str(latest)) if latest else date.today()
        week = IsoWeek.of(today)
        with store.read() as s:
            samples, items = _timed(lambda: due_list(s, week, today), 7)
            print(f"due list {week} ({len(items):,} people listed): {percentiles(samples)}")  # type: ignore[arg-type]
            samples, history = _timed(lambda: coverage_history(s, week, 12), 5)
            last = history[-1]  # type: ignore[index]
            print(f"coverage, 12 weeks (high-risk due this week {last.due:,}, done {last.done:,}): {percentiles(samples)}")
            samples, rows = _timed(lambda: due_roster(s, week), 5)
            print(f"roster rows ({len(rows):,} due): {percentiles(samples)}")  # type: ignore[arg-type]
    finally:
        store.close()


if __name__ == "__main__":
    main()
