"""Shared benchmark helpers: the cached 100k-person database and percentile figures."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("JYDESK_BENCH_DIR", ROOT / "bench-data"))
TARGET_PERSONS = 100_000
SEED = 20261128
#: The benchmark village's data key (SQLCipher, as every installation since issue 17); the demo
#: clerk's key slot opens it too (``demo`` / ``jydesk-demo``).
BENCH_KEY_HEX = "42" * 32


def bench_key():  # type: ignore[no-untyped-def]
    from jydesk.store.crypto import DataKey

    return DataKey(bytes.fromhex(BENCH_KEY_HEX))


def database_100k() -> Path:
    """A data folder holding a demo village of ≥100k people (built once, then reused)."""
    folder = BENCH_DIR / "village-100k-sqlcipher"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    from jydesk.store import open_store
    from jydesk.store.demo import generate

    store = open_store(folder, key=bench_key())
    started = time.perf_counter()
    persons = households = 0
    while persons < TARGET_PERSONS:
        summary = generate(store, 5000, SEED + households)
        persons += summary.persons
        households += summary.households
    elapsed = time.perf_counter() - started
    store.close()
    marker.write_text(f"{households} households, {persons} persons, {elapsed:.1f} s\n")
    print(f"built {folder}: {households} households, {persons} persons in {elapsed:.1f} s "
          f"({persons / elapsed:,.0f} persons/s incl. audit, outbox, index)")
    return folder


def percentiles(samples_ms: list[float]) -> str:
    samples = sorted(samples_ms)
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  max {samples[-1]:6.2f} ms  (n={len(samples)})"


def p95(samples_ms: list[float]) -> float:
    samples = sorted(samples_ms)
    return samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def timed(fn, runs: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    """``fn()`` run ``runs`` times: the wall times in ms and the last result."""
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result
