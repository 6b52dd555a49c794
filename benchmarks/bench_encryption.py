"""The cost of encryption at rest (issue 17), measured A/B under the same machine load: the
100k village as SQLCipher (the product) and a plain SQLite copy of it (``key=None``, for this
comparison only), search and save on each, one after the other; plus what a login adds
(one argon2id key-slot unwrap) and opening the encrypted database."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from benchmarks.bench_store import bench_save_one, bench_search
from benchmarks.common import BENCH_DIR, bench_key, database_100k, percentiles
from jydesk.store.database import DB_FILENAME


def plain_copy(folder: Path) -> Path:
    """A plain SQLite copy of the encrypted village (sqlcipher_export), made once."""
    target = BENCH_DIR / "village-100k-plain-copy"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    from jydesk.store.connection import connect

    conn = connect(folder / DB_FILENAME, bench_key())
    conn.execute(f"ATTACH DATABASE '{target / DB_FILENAME}' AS plain KEY ''")
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()
    (target / ".complete").write_text("plain copy\n")
    return target


def bench_login_cost(folder: Path) -> None:
    from jydesk.store import open_store
    from jydesk.store.keyslots import KeySlots

    slots = KeySlots.for_data_dir(folder)
    unwrap, opened = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        key = slots.unlock("demo", "jydesk-demo")
        unwrap.append((time.perf_counter() - t0) * 1000)
        assert key is not None
        t0 = time.perf_counter()
        store = open_store(folder, key=key)
        store.village()
        opened.append((time.perf_counter() - t0) * 1000)
        store.close()
    print(f"key-slot unwrap (argon2id t=3, 64 MiB, p=4; also the password check): {percentiles(unwrap)}")
    print(f"open the encrypted database + first read (schema check, village): {percentiles(opened)}")


def main() -> None:
    folder = database_100k()
    plain = plain_copy(folder)
    print(f"machine load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    bench_login_cost(folder)
    for label, where, key in (("SQLCipher", folder, "bench"), ("plain copy", plain, None)):
        print(f"--- {label}")
        bench_search(where, key)
        bench_save_one(where, key)


if __name__ == "__main__":
    main()
