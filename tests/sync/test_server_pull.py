"""Pull: cursor paging, current state per record, and no change skipped under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from jydesk.domain.ids import new_id
from tests.sync.conftest import ServerEnv, change


def test_pages_follow_the_cursor_and_show_current_state(server: ServerEnv, device) -> None:
    ids = []
    changes = []
    for i in range(7):
        hid, hh = device.household(address=f"简城街道{i}号")
        ids.append(hid)
        changes.append(hh)
    device.push(changes)
    first = device.pull_page(cursor="", limit=3)
    assert [c["id"] for c in first["changes"]] == ids[:3] and first["more"] is True
    second = device.pull_page(cursor=first["cursor"], limit=3)
    assert [c["id"] for c in second["changes"]] == ids[3:6] and second["more"] is True
    third = device.pull_page(cursor=second["cursor"], limit=3)
    assert [c["id"] for c in third["changes"]] == ids[6:] and third["more"] is False
    # an edit moves the record after the cursor, in its new state, once
    device.push([change("household", ids[0], {"phone": "13800000000"}, base=1)])
    after = device.pull_page(cursor=third["cursor"])
    assert [(c["id"], c["revision"], c["fields"]["phone"]) for c in after["changes"]] == [(ids[0], 2, "13800000000")]
    empty = device.pull_page(cursor=after["cursor"])
    assert empty == {"changes": [], "cursor": after["cursor"], "more": False}


def test_bad_cursor_and_limit_get_a_clear_4xx(server: ServerEnv, device) -> None:
    for params, field in (({"cursor": "-1"}, "cursor"), ({"cursor": "x" * 40}, "cursor"), ({"limit": 0}, "limit")):
        r = device.http.get("/api/v1/changes", params=params, headers=device.headers)
        assert 400 <= r.status_code < 500
        assert r.json()["field"] == field


@contextmanager
def slow_commits(server: ServerEnv, village: str) -> Iterator[None]:
    if server.backend != "postgres":  # SQLite has one writer at a time anyway
        yield
        return
    name = f"slow_{village}"
    with server.db.write() as conn:
        conn.exec_driver_sql(f"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.village_code = '{village}' THEN PERFORM pg_sleep(random() * 0.03); END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {name} BEFORE INSERT ON batches FOR EACH ROW EXECUTE FUNCTION {name}();""")
    try:
        yield
    finally:
        with server.db.write() as conn:
            conn.exec_driver_sql(f"DROP TRIGGER {name} ON batches; DROP FUNCTION {name}();")


def test_concurrent_writers_and_pullers_skip_no_change(server: ServerEnv) -> None:
    """Writers of one village commit in parallel while pullers advance their cursors; every
    puller must end up having seen every record (a skipped seq would lose one for good).

    On PostgreSQL a trigger makes each batch commit a random few milliseconds late, so
    transactions overlap the way slow commits do in production; with seqs handed out
    without the village lock (e.g. from a sequence) this test loses records.
    """
    writers = [server.enroll()]
    writers += [server.enroll(writers[0].village, http=server.client()) for _ in range(3)]
    pullers = [server.enroll(writers[0].village, http=server.client()) for _ in range(2)]
    batches, per_batch = 20, 10
    written: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def write(dev) -> None:
        try:
            for _ in range(batches):
                ids, changes = [], []
                for _ in range(per_batch):
                    hid, hh = dev.household()
                    ids.append(hid)
                    changes.append(hh)
                results = dev.push(changes)
                assert all(r["status"] == "applied" for r in results)
                with lock:
                    written.update(ids)
        except BaseException as exc:
            errors.append(exc)

    seen: dict[str, set[str]] = {p.device_id: set() for p in pullers}
    pages: dict[str, int] = {p.device_id: 0 for p in pullers}

    def read(dev) -> None:
        try:
            while True:
                finished = done.is_set()
                page = dev.pull_page(limit=200)
                seen[dev.device_id].update(c["id"] for c in page["changes"])
                dev.cursor = page["cursor"]
                pages[dev.device_id] += 1
                if finished and not page["more"]:
                    return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    readers = [threading.Thread(target=read, args=(p,)) for p in pullers]
    with slow_commits(server, writers[0].village):
        for t in readers + threads:
            t.start()
        for t in threads:
            t.join()
        done.set()
        for t in readers:
            t.join()
    assert not errors, errors
    assert len(written) == len(writers) * batches * per_batch
    for p in pullers:
        assert pages[p.device_id] > 3  # the pullers really ran alongside the writers
        missing = written - seen[p.device_id]
        assert not missing, f"{len(missing)} records never pulled"
    seqs = server.scalar("SELECT count(DISTINCT seq) FROM records WHERE village_code = :v", v=writers[0].village)
    assert seqs == len(written)


def test_records_of_all_types_pull_in_commit_order(server: ServerEnv, device) -> None:
    hid, hh = device.household()
    pid, person = device.person(hid)
    vid = new_id()
    visit = change("visit", vid, {"village_code": device.village, "person_id": pid, "visited_on": "2025-02-03",
                                  "method": "电话", "visitors": ["王专干", "李委员"]})
    res = device.push([hh, person, visit])
    assert res[2]["server_fields"] == {"visitors": "王专干、李委员"}
    pulled = device.pull_all()
    assert [(c["entity"], c["id"]) for c in pulled] == [("household", hid), ("person", pid), ("visit", vid)]
