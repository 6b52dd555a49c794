"""Sync client over loopback: push and pull of 10k changes through a real uvicorn server
(SQLite server database), and compressed bytes per change on the wire.

Figures: push of 10k new records from device A (outbox -> batches -> server -> acks applied
locally), the pull that follows on A (its own records echoed back: revisions only), the pull
of the same 10k records on a fresh device B (10k records created locally with audit and
search index), and bytes per change as sent (zstd level 3 = normal link, level 19 = slow).
Budget (docs/architecture.md § Budgets): <= 170 compressed bytes per changed record.
"""

from __future__ import annotations

import random
import socket
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import uvicorn

from benchmarks.common import bench_key
from jydesk.domain.idnumber import check_digit
from jydesk.store import Store, open_store
from jydesk.store.installation import set_up_village
from jydesk.store.models import Household, Person
from jydesk.store.unit_of_work import Actor, bulk_insert
from sync.client import SyncClient, enroll
from sync.client import outbox as outbox_mod
from sync.protocol import wire
from sync.server.app import create_app
from sync.server.config import Limits, Settings
from sync.server.db import Database
from sync.server.devices import issue_code

VILLAGE = "510185001007"
HOUSEHOLDS = 2_500
PERSONS = 7_500
CLERK = Actor("bench", "基准测试")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明华建国秀英桂兰志强玉珍淑芬海燕丽娟文军红梅德福"


def id_number(rng: random.Random, n: int) -> str:
    born = date(1935, 1, 1) + timedelta(days=(n * 7919 + rng.randrange(7)) % 25000)
    first17 = f"510185{born:%Y%m%d}{n % 997:03d}"
    return first17 + check_digit(first17)


def fill(store: Store) -> int:
    """10k new records (2,500 households, 7,500 people; random names, phones, birth dates)."""
    rng = random.Random(20261128)
    phone = lambda: f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"  # noqa: E731
    with store.write(CLERK) as w:
        households = bulk_insert(w, Household, [
            {"address": f"简城街道幸福村{rng.randrange(1, 13)}组{rng.randrange(1, 400)}号", "group_no": rng.randrange(1, 13),
             "residence": rng.choice(("农村", "城市")), "phone": phone()} for _ in range(HOUSEHOLDS)])
        bulk_insert(w, Person, [
            {"household_id": households[i % HOUSEHOLDS], "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
             "id_number": id_number(rng, i), "relation": "本人" if i < HOUSEHOLDS else rng.choice(("配偶", "子", "女")),
             "phone": phone() if rng.random() < 0.7 else None} for i in range(PERSONS)])
    return HOUSEHOLDS + PERSONS


class Server:
    def __init__(self, folder: Path) -> None:
        url = f"sqlite:///{folder / 'server.sqlite3'}"
        self.db = Database(url)
        self.db.migrate()
        limits = Limits(device_requests_per_minute=1_000_000, device_burst=100_000,
                        anonymous_requests_per_minute=1_000_000, anonymous_burst=100_000)
        app = create_app(Settings(database_url=url, data_dir=folder, limits=limits), self.db)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.db.dispose()


def device(folder: Path, server: Server) -> Store:
    store = open_store(folder, key=bench_key())
    set_up_village(store, VILLAGE, "幸福村")
    enroll(store, server.url, issue_code(server.db, VILLAGE).code, device_name="基准测试")
    return store


def wire_sizes(store: Store, changes: int) -> str:
    """Bytes per change of the fixed batches as JSON, zstd 3 and zstd 19 (measured before sending)."""
    from sync.client import state

    device_id = state.credentials(store).device_id
    outbox_mod.form_batches(store)
    raw = z3 = z19 = 0
    with store.read() as s:
        for batch_id in outbox_mod.in_flight(s):
            body = wire.dumps(outbox_mod.load_batch(s, batch_id, device_id)[0])
            raw += len(body)
            z3 += len(wire.compress(body, wire.ZSTD, level=3))
            z19 += len(wire.compress(body, wire.ZSTD, level=19))
    return (f"per change: JSON {raw / changes:.0f} B, zstd-3 {z3 / changes:.0f} B, zstd-19 {z19 / changes:.0f} B "
            f"(budget 170 B)")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        server = Server(root / "server")
        try:
            a = device(root / "a", server)
            n = fill(a)
            print(f"wire size of {n:,} changes, {wire_sizes(a, n)}")
            with SyncClient(a) as client:
                started = time.perf_counter()
                summary = client.push()
                push_s = time.perf_counter() - started
                sent = client.transport.bytes_sent
                print(f"push {n:,} changes in {summary.batches} batches: {push_s:.2f} s "
                      f"({n / push_s:,.0f} changes/s), {sent / n:.0f} B/change sent (request bodies)")
                started = time.perf_counter()
                client.pull()
                echo_s = time.perf_counter() - started
                print(f"pull on the same device (own {n:,} records echoed): {echo_s:.2f} s ({n / echo_s:,.0f} records/s)")
            b = device(root / "b", server)
            with SyncClient(b) as client:
                started = time.perf_counter()
                summary = client.pull()
                pull_s = time.perf_counter() - started
                got = summary.pulled["created"]
                print(f"pull {got:,} new records on a second device: {pull_s:.2f} s ({got / pull_s:,.0f} records/s), "
                      f"{client.transport.bytes_received / max(got, 1):.0f} B/record received (compressed)")
            a.close(), b.close()
        finally:
            server.close()


if __name__ == "__main__":
    main()
