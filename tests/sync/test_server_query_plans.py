"""PostgreSQL plans of the ingest lookups on a new database: they probe indexes.

Until autovacuum first analysed the records table (a minute or more), PostgreSQL read
every record for each batch's ``id = ANY(…)`` and every record of the village for its
身份证号: per batch, a cost growing with the table. The server now analyses the table
after its first batch; autovacuum stays off here, so only that can give it statistics.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection

from jydesk.domain.ids import new_id
from sync.protocol.models import Batch
from sync.server import applier, batches, devices
from sync.server.db import Database
from sync.server.records import _LOAD
from tests.sync.conftest import Unique, change, fresh_database

VILLAGE = "510185001001"


#: Records (about the size of real ones) added straight into the table after the first
#: batches, as if many villages had synced since: statistics taken at the first batch
#: must still lead to the indexes.
_MORE_RECORDS = """
INSERT INTO records (id, entity, village_code, revision, seq, deleted, fields, field_revs, id_number,
                     parent_id, created_at, updated_at)
SELECT md5(n::text), 'person', '5101851020' || (mod(n, 90) + 10)::text, 1, n, false,
       jsonb_build_object('name', '张三', 'relation', '本人', 'household_id', md5((n / 3)::text),
                          'id_number', '5101851950' || lpad(n::text, 8, '0'), 'note', repeat('记', 80)),
       '{"*": [1, 1]}'::jsonb, '5101851950' || lpad(n::text, 8, '0'), md5((n / 3)::text), now(), now()
FROM generate_series(1, 60000) AS n
"""


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, list[str]]]:
    """A new database (autovacuum off) after two batches of one village and 60,000 more
    records of others; the village's 身份证号."""
    with fresh_database("postgres", tmp_path_factory.mktemp("plans")) as url:
        db = Database(url)
        db.migrate()
        with db.write() as conn:
            conn.exec_driver_sql("ALTER TABLE records SET (autovacuum_enabled = false)")
        unique, numbers = Unique(), []
        dev = devices.enroll(db, devices.issue_code(db, VILLAGE).code, "计划")
        ref = devices.get_device(db, dev["device_id"]).ref
        for _ in range(2):
            changes = []
            for _ in range(125):
                hid = new_id()
                changes.append(change("household", hid, {"village_code": VILLAGE, "address": "简城街道1号"}))
                for _ in range(3):
                    numbers.append(unique.id_number())
                    changes.append(change("person", new_id(), {
                        "village_code": VILLAGE, "household_id": hid, "name": "张三", "id_number": numbers[-1],
                        "relation": "本人"}))
            batch = Batch.model_validate({"batch_id": str(uuid.uuid4()), "device_id": ref.id, "changes": changes})
            assert {r["status"] for r in batches.apply_batch(db, ref, batch)["results"]} == {"applied"}
            with db.read() as conn:  # from the first batch on
                assert conn.exec_driver_sql("SELECT count(*) FROM pg_stats WHERE tablename = 'records'").scalar()
        with db.write() as conn:
            conn.exec_driver_sql(_MORE_RECORDS)
        yield db, numbers
        db.dispose()


def plan(conn: Connection, stmt: Any, **params: Any) -> dict[str, Any]:
    compiled = stmt.compile(dialect=conn.dialect)
    sql = "EXPLAIN (FORMAT JSON) " + str(compiled)
    return conn.exec_driver_sql(sql, {**compiled.params, **params}).scalar()[0]["Plan"]


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def test_loading_a_batch_of_records_probes_the_primary_key(grown) -> None:
    db, _ = grown
    ids = ",".join(new_id() for _ in range(500))
    with db.read() as conn:
        top = plan(conn, _LOAD["postgresql"], ids=ids)
    scans = [n for n in nodes(top) if "Scan" in n["Node Type"]]
    assert [n["Node Type"] for n in scans] == ["Index Scan"], top
    assert scans[0]["Index Name"] == "records_pkey" and "ANY" in scans[0]["Index Cond"]


def test_looking_up_a_batch_of_id_numbers_probes_their_index(grown) -> None:
    db, numbers = grown
    with db.read() as conn:
        top = plan(conn, applier.ID_NUMBERS["postgresql"], ids=",".join(numbers[:300]))
    scans = [n for n in nodes(top) if "Scan" in n["Node Type"]]
    assert [n["Node Type"] for n in scans] == ["Index Scan"], top
    # the numbers are the index condition, not a filter over the village's every record
    assert scans[0]["Index Name"] == "ix_records_id_number" and "id_number" in scans[0]["Index Cond"], top
