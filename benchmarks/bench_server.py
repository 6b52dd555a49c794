"""City server ingest: changes applied per second in batches of 500, on PostgreSQL and SQLite.

For each backend: a fresh database (a throwaway PostgreSQL database at
$JYDESK_TEST_PG_URL, default postgres@127.0.0.1:5432; a temporary SQLite file), one
enrolled device, and batches of 500 new records of a realistic mix (households, their
members, visits to them). Measured:

- service: ``batches.apply_batch`` called directly (validation + merge + one transaction);
- service ×N: N processes (one per CPU) applying batches of different villages at once;
- http: the same through uvicorn on loopback, zstd-compressed bodies, 2 devices of
  different villages pushing in parallel; on PostgreSQL also ``jydesk-server serve
  --workers N`` (N = CPUs) with 2×N devices;
- edits: batches of 500 field edits of existing records (the merge path);
- pull: reading everything back in pages of 1,000.

Figures (2-core KVM machine shared with other engineers' test runs, so wall time varies by
up to 2×). "server CPU" is ``time.process_time`` of this process (service; http 1 process,
which includes the pushing client) or of the ``serve`` process and its workers (http ×N);
"PostgreSQL" is the CPU of the database's client backends (from /proc, autovacuum not
counted). Budget (docs/architecture.md § Budgets): ≥ 20k changes/s on PostgreSQL — met by
the service layer in 2 processes and, since 2026-12-02, over HTTP by ``serve --workers 2``
(21–24k).

- before (ed17b82), PostgreSQL: service new records 3.8–5.8k changes/s, 114–125 µs CPU per
  change (load average 3.4–3.9); the author's figures 4.3k service, 4.5k http ×2 workers.
- 923646f (COPY of new records, cheaper 身份证号 parsing, rows fetched at once), load 2.9:
  service new records 7.9k changes/s (89 µs CPU/change), field edits 6.4k (100 µs),
  http 1 process 6.0k, http ×2 workers 6.2k; SQLite service 7.5k (129 µs).
- until 9ff8630 "service ×N processes" measured something else: its 身份证号 had birth dates
  in the future, so every person was rejected and every visit held (one INSERT each).
- 2026-12-01, issue 7, this bench run on 937f448 and on the new code within a minute of
  each other (load average 0.9–1.3), PostgreSQL:

  | what | 937f448 | now |
  |---|---|---|
  | service, new records | 7.7k/s; 97 µs + PG 37 | 11.5–15.4k/s; 46–64 µs + PG 18–28 |
  | service, field edits | 5.4k/s; 118 µs + PG 67 | 7.3–10.0k/s; 61–83 µs + PG 37–53 |
  | service ×2 processes | 11.6k/s | 19.5–20.6k/s (10k/s with a core taken) |
  | http, 1 process (+ client) | 5.3k/s; 153 µs + PG 51 | 6.4–8.2k/s; 96–112 µs + PG 28–36 |
  | http, 2 workers | 7.4k/s; 124 µs + PG 77 | 7.6–11.7k/s; 74–95 µs + PG 50–68 |

  (ranges: six runs between 11:00 and 11:45 at load average 0.5–1.8; the machine's other
  user takes a core at times, which the ×2 rows feel most.) SQLite service new records
  9.9k/s (99 µs) → 8.8–13.1k/s (75–113 µs). What did it:
  gc.freeze() once the server has loaded (~15–20 µs/change of full collections walking
  the loaded server), a fast path for new records (no merge, one ``"*"`` field revision
  for all fields: PostgreSQL ~5 µs less per row), the batch answer stored as zstd bytes
  instead of JSONB (~6 ms → <1 ms per batch), byte-order collation of the record key
  columns, statements built once per backend, per-entity field check plans, orjson for
  request bodies.
- where a change goes now (PostgreSQL, new records, Python ≈ 60 µs): the domain record
  rules ≈ 27% (a person ≈ 12 µs: 身份证号, income, care flags, then the normalised diff),
  field checks ≈ 10%, the rest of creating the record and its answer ≈ 15%, canonical
  content hash ≈ 6%, COPY row formatting ≈ 6%, loading/prefetch queries ≈ 8%, statement
  overhead and waits for PostgreSQL the rest. PostgreSQL ≈ 22–28 µs a new record (COPY
  ≈ 10–12 µs with 5 indexes, the batch row, the prefetch lookups), more once the table
  outgrows the default 128 MB shared_buffers (the same http ×2 run: 29–31 µs on a fresh
  database, 48 µs after 30k records). Over HTTP the server adds ≈ 20–30 µs a change:
  orjson ≈ 2, the request framework, response, auth query, and two threads of a worker
  sharing the GIL; the bench's own client costs another 16–19 µs on the same 2 cores.
  Tried and dropped: pydantic's ``model_validate_json`` costs what orjson + validation
  costs (5.5 vs 5.8 µs a change); checking the usual body by hand and building the models
  with ``model_construct`` was slower still (5.6 µs; model_construct alone ≈ 4 µs a
  change); a text-format COPY cost more on both sides than the binary one; raising the gc
  thresholds made no difference.
- 2026-12-01, later (91f6110): PostgreSQL planned a batch's ``id = ANY(<500 ids>)`` as a
  scan of the whole records table until autovacuum first analysed it, and looked 身份证号
  up through every record of the village — per batch 18 + 10 ms at 58k records, growing
  with the table. It is what made "PostgreSQL" per change grow from run to run above (the
  http ×2 row ran last, on the biggest table: 50–68 µs). Now the server analyses the table
  after its first batch and the numbers have an index of their own: the same four http ×2
  runs back to back on one database, PostgreSQL 16 → 26 → 38 → 55 µs a change before,
  21 → 32 → 20 → 20 after. Whole bench at load average 1.3: service 17.3k/s (40 µs + PG
  18), service ×2 processes 36.9k/s (was 24–26k), http ×2 workers 15.9k/s (62 µs + PG 20).
  The pushing client now writes ready-made requests to the socket (1–2 µs of CPU a change
  instead of httpx's ≈ 11). Wall-clock figures on this machine vary by up to ±40% from
  run to run; instruction counts under ``valgrind --tool=callgrind`` repeat to 0.05%:
  ≈ 275k instructions a change for orjson + pydantic + ``apply_batch`` (PostgreSQL, new
  records), ≈ 295k pushed over HTTP to uvicorn — so HTTP adds ≈ 7% of instructions, and
  the rest of its higher CPU per change is two processes, their threads and PostgreSQL
  contending for 2 cores.
- 2026-12-02: the ``serve --workers 2`` row was limited by where its connections landed,
  not by CPU. A kept-alive connection stays with the worker that accepted it, and the 4
  devices' connections split 3:1 or 4:0 between the 2 workers in most runs (per-worker CPU
  0.80 s against 0.29 s in the same run): one worker's core saturated, the other idle,
  the machine 30–50% idle (vmstat) at 16–19k changes/s. Now push and pull answers close the
  connection when the server runs several workers, so each batch is accepted by whichever
  worker is free first: 21.2–24.0k changes/s in 8 rounds of 20,000 changes on 3 server
  starts (55–63 µs server CPU + 16 PostgreSQL a change, the 2 cores ≈ 90% busy); with
  rounds of 40,000 (now the default, steadier) 22.3–26.7k in 6 rounds of 2 bench runs
  (52–62 µs + 14–16). Tried and not kept: 3 or 4
  workers on the 2 cores (22.0–22.4k), uvloop + httptools (no difference). More devices
  pushing at once (8 on 2 workers: 23.8k) gives the same as 4 with the connections spread.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
import zstandard
from sqlalchemy import text
from sqlalchemy.engine import make_url

from jydesk.domain.idnumber import check_digit
from jydesk.domain.ids import new_id
from jydesk.domain.regions import towns
from sync.protocol.models import Batch
from sync.protocol.wire import device_authorization
from sync.server import batches, devices, pull
from sync.server.app import create_app, settle_heap
from sync.server.config import Limits, Settings
from sync.server.db import Database

BATCH = 500
SERVICE_BATCHES = 40  # 20,000 changes
HTTP_BATCHES = 20  # per device
WORKER_ROUNDS = 3  # of serve --workers N, each 4 × HTTP_BATCHES × 500 = 40,000 changes
PG_URL = os.environ.get("JYDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
UNLIMITED = Limits(device_requests_per_minute=10**9, device_burst=10**9)


class Ids:
    """Distinct valid 身份证号: the sequence digits cycle, the birth date moves on every 1,000."""

    def __init__(self) -> None:
        self.n = 0

    def id_number(self) -> str:
        self.n += 1
        born = date(1935, 1, 1) + timedelta(days=self.n // 1000)
        first17 = f"510185{born:%Y%m%d}{self.n % 1000:03d}"
        return first17 + check_digit(first17)


def make_batches(device_id: str, village: str, count: int, ids: Ids) -> list[Batch]:
    """``count`` batches of 500: 100 households, 300 members, 100 visits each."""
    ts = datetime.now(UTC).isoformat()
    out = []
    for _ in range(count):
        changes: list[dict[str, Any]] = []
        for h in range(100):
            hid = new_id()
            changes.append({"entity": "household", "id": hid, "base_revision": 0, "client_ts": ts, "fields": {
                "village_code": village, "address": f"简城街道{h}号", "group_no": h % 12 + 1, "residence": "农村",
                "phone": "13800000000"}})
            pids = []
            for m in range(3):
                pid = new_id()
                pids.append(pid)
                changes.append({"entity": "person", "id": pid, "base_revision": 0, "client_ts": ts, "fields": {
                    "village_code": village, "household_id": hid, "name": "张三", "id_number": ids.id_number(),
                    "relation": "本人" if m == 0 else "子", "monthly_income": "1200.00", "care_flags": ["独居"] if m == 0 else []}})
            changes.append({"entity": "visit", "id": new_id(), "base_revision": 0, "client_ts": ts, "fields": {
                "village_code": village, "person_id": pids[0], "visited_on": "2025-01-06", "method": "入户",
                "visitors": "李专干", "follow_up_needed": False}})
        out.append(Batch.model_validate({"batch_id": str(uuid.uuid4()), "device_id": device_id, "changes": changes}))
    return out


def edit_batches(device_id: str, applied: list[Batch], count: int) -> list[Batch]:
    ts = datetime.now(UTC).isoformat()
    out = []
    for batch in applied[:count]:
        changes = [{"entity": c.entity, "id": c.id, "base_revision": 1, "client_ts": ts,
                    "fields": {"follow_up_needed": True} if c.entity == "visit" else {"note": "已电话回访"}}
                   for c in batch.changes]
        out.append(Batch.model_validate({"batch_id": str(uuid.uuid4()), "device_id": device_id, "changes": changes}))
    return out


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str | None]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    admin = Database(PG_URL, pool_size=1)
    name = f"jydesk_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"  PostgreSQL not available ({exc.__class__.__name__}): skipped")
        admin.dispose()
        yield None
        return
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def enroll(db: Database, village: str) -> dict[str, Any]:
    return devices.enroll(db, devices.issue_code(db, village).code, "bench")


def rate(n: int, seconds: float, cpu: float | None = None, pg_cpu: float | None = None) -> str:
    text = f"{n / seconds:>9,.0f} changes/s ({n:,} in {seconds:.2f} s"
    if cpu is not None:
        text += f"; server CPU {cpu / n * 1e6:.0f} µs/change"
    if pg_cpu is not None:
        text += f" + PostgreSQL {pg_cpu / n * 1e6:.0f}"
    return text + ")"


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each of ``pids`` still running (Linux /proc)."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    return out


def _children(pid: int) -> list[int]:
    found = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


class Meter:
    """Wall time, this process's CPU, and the CPU of other processes (the PostgreSQL client
    backends of the database — not autovacuum —, server worker processes) between start and
    stop; unavailable figures are None."""

    def __init__(self, db: Database | None = None, server_pid: int | None = None) -> None:
        self.db, self.server_pid = db, server_pid

    def _pg_pids(self) -> list[int]:
        if self.db is None or self.db.is_sqlite:
            return []
        with self.db.read() as conn:
            return list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                                          " AND backend_type = 'client backend'")).scalars())

    def __enter__(self) -> Meter:
        self.pg = _proc_cpu(self._pg_pids())
        self.server = _proc_cpu(_children(self.server_pid)) if self.server_pid else {}
        self.wall, self.own = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.own
        pg = _proc_cpu(self._pg_pids())
        self.pg_cpu = sum(v - self.pg.get(pid, 0.0) for pid, v in pg.items()) if pg else None
        if self.server_pid:
            server = _proc_cpu(_children(self.server_pid))
            self.server_cpu: float | None = sum(v - self.server.get(pid, 0.0) for pid, v in server.items())
        else:
            self.server_cpu = None


def bench_service(db: Database, ids: Ids) -> list[Batch]:
    dev = enroll(db, "510185001001")
    ref = devices.get_device(db, dev["device_id"]).ref
    todo = make_batches(dev["device_id"], "510185001001", SERVICE_BATCHES, ids)
    for warm in make_batches(dev["device_id"], "510185001001", 2, ids):
        batches.apply_batch(db, ref, warm)
    settle_heap()  # as a server process does once it has started
    with Meter(db) as m:
        for b in todo:
            result = batches.apply_batch(db, ref, b)
            assert all(r["status"] == "applied" for r in result["results"]), result["results"][:3]
    print(f"  service, new records   {rate(SERVICE_BATCHES * BATCH, m.seconds, m.cpu, m.pg_cpu)}")
    edits = edit_batches(dev["device_id"], todo, 20)
    with Meter(db) as m:
        for b in edits:
            result = batches.apply_batch(db, ref, b)
            assert all(r["status"] == "applied" for r in result["results"]), result["results"][:3]
    print(f"  service, field edits   {rate(len(edits) * BATCH, m.seconds, m.cpu, m.pg_cpu)}")
    started = time.perf_counter()
    cursor, total = "", 0
    while True:
        page = pull.pull(db, "510185001001", cursor, 1000)
        total += len(page["changes"])
        cursor = page["cursor"]
        if not page["more"]:
            break
    seconds = time.perf_counter() - started
    print(f"  pull, pages of 1000    {total / seconds:>9,.0f} records/s ({total:,} in {seconds:.2f} s)")
    return todo


def bench_parallel(url: str, processes: int) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    start = ctx.Event()
    done = ctx.Queue()
    procs = [ctx.Process(target=_apply_in_process, args=(url, f"{towns()[10 + i].code}001", SERVICE_BATCHES // processes,
                                                           (i + 5) * 1_000_000, start, done))
             for i in range(processes)]
    for p in procs:
        p.start()
    ready = [done.get(timeout=300) for _ in procs]
    assert all(r == "ready" for r in ready), ready
    started = time.perf_counter()
    start.set()
    counts = [done.get(timeout=600) for _ in procs]
    seconds = time.perf_counter() - started
    for p in procs:
        p.join(30)
    if any(isinstance(c, str) for c in counts):
        print(f"  service ×{processes} failed: {next(c for c in counts if isinstance(c, str))}")
        return
    print(f"  service ×{processes} processes {rate(sum(counts), seconds)}")


def _apply_in_process(url: str, village: str, count: int, seed: int, start: Any, done: Any) -> None:
    try:
        db = Database(url, pool_size=2)
        ids = Ids()
        ids.n = seed
        dev = enroll(db, village)
        ref = devices.get_device(db, dev["device_id"]).ref
        todo = make_batches(dev["device_id"], village, count, ids)
        settle_heap()
        done.put("ready")
        start.wait()
        for b in todo:
            result = batches.apply_batch(db, ref, b)
            bad = [r for r in result["results"] if r["status"] != "applied"]
            if bad:
                raise AssertionError(bad[0])
        db.dispose()
        done.put(count * BATCH)
    except Exception as exc:  # reported by the parent
        done.put(f"{exc!r}")


def _devices(db: Database, villages: list[str], count: int, ids: Ids) -> list[tuple[dict[str, str], list[bytes]]]:
    packer = zstandard.ZstdCompressor(level=3)
    work = []
    for village in villages:
        dev = enroll(db, village)
        bodies = [packer.compress(orjson.dumps(b.model_dump(mode="json")))
                  for b in make_batches(dev["device_id"], village, count, ids)]
        work.append((device_authorization(dev["device_id"], dev["secret"]), bodies))
    return work


def _push_all(url: str, work: list[tuple[dict[str, str], list[bytes]]]) -> tuple[float, list[str]]:
    """Push every device's bodies at once, a thread and a kept-alive connection per device
    (connecting again when an answer closes the connection);
    the seconds until the last answer, and what was wrong with any answer.

    The requests are written to the socket ready-made and the answers read raw: in service
    the villages' machines do the client's work, so here it should take as little of the 2
    cores as it can (httpx cost ≈ 11 µs of CPU a change). The answers are checked after the
    clock stops: status 200 and every change applied."""
    host, port = url.removeprefix("http://").split(":")
    answers: list[tuple[int, dict[bytes, bytes], bytes]] = []

    def push(headers: dict[str, str], bodies: list[bytes]) -> None:
        head = "".join(f"{k}: {v}\r\n" for k, v in {
            **headers, "Host": f"{host}:{port}", "Content-Type": "application/json", "Content-Encoding": "zstd",
            "Accept-Encoding": "zstd"}.items())
        sock: socket.socket | None = None
        for body in bodies:
            if sock is None:
                sock = socket.create_connection((host, int(port)))
                stream = sock.makefile("rb")
            sock.sendall(f"POST /api/v1/batches HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n"
                         .encode() + body)
            answers.append(answer := _read_answer(stream))
            if answer[1].get(b"connection") == b"close":  # serve --workers N: the next batch connects anew
                stream.close()
                sock.close()
                sock = None
        if sock is not None:
            sock.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=push, args=w) for w in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    return seconds, [problem for answer in answers if (problem := _check_answer(*answer))]


def _read_answer(stream: Any) -> tuple[int, dict[bytes, bytes], bytes]:
    status = int(stream.readline().split()[1])
    headers = {}
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, stream.read(int(headers[b"content-length"]))


def _check_answer(status: int, headers: dict[bytes, bytes], body: bytes) -> str | None:
    if headers.get(b"content-encoding") == b"zstd":
        body = zstandard.ZstdDecompressor().decompress(body)
    if status != 200:
        return f"{status} {body[:200].decode(errors='replace')}"
    bad = [r for r in orjson.loads(body)["results"] if r["status"] != "applied"]
    return f"not applied: {bad[0]}" if bad else None


def bench_http(settings: Settings, db: Database, ids: Ids) -> None:
    """uvicorn in this process, 2 devices pushing at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(settings, db), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    work = _devices(db, ["510185002001", "510185003001"], HTTP_BATCHES, ids)
    size = sum(len(b) for _, bodies in work for b in bodies) / (len(work) * HTTP_BATCHES * BATCH)
    with Meter(db) as m:
        seconds, errors = _push_all(f"http://127.0.0.1:{sock.getsockname()[1]}", work)
    server.should_exit = True
    thread.join(10)
    if errors:
        print(f"  http failed: {errors[0]}")
        return
    n = len(work) * HTTP_BATCHES * BATCH
    print(f"  http, 1 process        {rate(n, seconds, m.cpu, m.pg_cpu)} (CPU incl. the pushing client);"
          f" {size:.0f} bytes/change zstd")


def bench_http_workers(url: str, folder: Path, db: Database, ids: Ids, workers: int) -> None:
    """``jydesk-server serve --workers N`` as a separate process, 2×N devices pushing at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JYDESK_SERVER_DATA_DIR": str(folder)}
    proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", "--database-url", url, "--port",
                             str(port), "--workers", str(workers), "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    print(f"  http ×{workers} workers: server did not start")
                    return
                time.sleep(0.2)
        villages = [f"{towns()[20 + i].code}001" for i in range(2 * workers)]
        per = max(1, 4 * HTTP_BATCHES // len(villages))
        # a running server has its database connections open: one batch per village first
        _push_all(base, _devices(db, villages, 1, ids))
        for _ in range(WORKER_ROUNDS):  # short runs on a shared machine: show the spread
            work = _devices(db, villages, per, ids)
            with Meter(db, proc.pid) as m:
                seconds, errors = _push_all(base, work)
            if errors:
                print(f"  http ×{workers} workers failed: {errors[0]}")
                return
            print(f"  http, {workers} worker processes {rate(len(work) * per * BATCH, seconds, m.server_cpu, m.pg_cpu)}")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


def load_average() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def main() -> None:
    print(load_average())
    for backend in ("postgres", "sqlite"):
        print(f"{backend}:")
        with tempfile.TemporaryDirectory() as folder, database(backend, Path(folder)) as url:
            if url is None:
                continue
            settings = Settings(database_url=url, data_dir=Path(folder), limits=UNLIMITED)
            db = Database(url)
            db.migrate()
            ids = Ids()
            cores = max(2, os.cpu_count() or 2)
            bench_service(db, ids)
            bench_parallel(url, cores)
            bench_http(settings, db, ids)
            if backend == "postgres":
                bench_http_workers(url, Path(folder), db, ids, cores)
            db.dispose()
    print(load_average())


if __name__ == "__main__":
    main()
