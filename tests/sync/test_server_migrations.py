"""Server schema upgrades: a database of an older revision keeps working after ``migrate``."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import zstandard
from sqlalchemy import insert, select, text

from jydesk.domain.ids import new_id
from sync.protocol.models import Batch
from sync.server import batches
from sync.server.batches import DeviceRef
from sync.server.db import Database, current_revision, head_revision, migrate
from sync.server.models import Blob, BlobUpload, Record, StoredBatch
from tests.sync.conftest import change


def test_batches_stored_before_0002_replay_and_survive_a_downgrade(empty_database) -> None:
    _, url = empty_database
    db = Database(url)
    try:
        migrate(db.engine, "0001")
        ref = _device_as_0001_stored_it(db)
        old = Batch.model_validate({"batch_id": str(uuid.uuid4()), "device_id": ref.id, "changes": [
            change("household", new_id(), {"village_code": ref.village_code, "address": "简城街道1号"})]})
        content = batches.canonical(old)
        answer = [{"id": old.changes[0].id, "entity": "household", "status": "applied", "revision": 1,
                   "conflicts": [], "errors": [], "server_fields": {}}]
        t = StoredBatch.__table__
        with db.write() as conn:  # as the 0001 server stored it: the answer as JSON in ``results``
            conn.execute(insert(t).values(
                batch_id=old.batch_id, device_id=ref.id, village_code=ref.village_code,
                content_hash=hashlib.sha256(content).hexdigest(), change_count=1, received_at=datetime.now(UTC),
                source="http", results=answer, payload=zstandard.ZstdCompressor().compress(content)))
        migrate(db.engine)
        assert current_revision(db.engine) == head_revision()
        with db.read() as conn:  # 0004 numbers the devices enrolled before it, per village
            assert conn.execute(text("SELECT village_no FROM devices WHERE id = :id"), {"id": ref.id}).scalar() == 1
        replay = batches.apply_batch(db, ref, old)
        assert replay["replayed"] and replay["results"] == answer

        new = Batch.model_validate({"batch_id": str(uuid.uuid4()), "device_id": ref.id, "changes": [
            change("household", new_id(), {"village_code": ref.village_code, "address": "简城街道2号"})]})
        first = batches.apply_batch(db, ref, new)
        with db.read() as conn:
            stored = conn.execute(select(t.c.results, t.c.answer).where(t.c.batch_id == new.batch_id)).one()
        assert stored.results is None and stored.answer
        assert batches.apply_batch(db, ref, new)["results"] == first["results"]

        migrate_down(db, "0001")
        with db.read() as conn:
            kept = conn.execute(select(t.c.results).where(t.c.batch_id == new.batch_id)).scalar_one()
        assert kept == first["results"]
    finally:
        db.dispose()


def _device_as_0001_stored_it(db: Database) -> DeviceRef:
    """A device row with the 0001 columns only (no ``village_no`` yet)."""
    device_id = str(uuid.uuid4())
    with db.write() as conn:
        conn.execute(text("INSERT INTO devices (id, village_code, name, secret_hash, bundle_key, enrolled_at) "
                          "VALUES (:id, '510185001001', '旧版', :h, :h, :at)"),
                     {"id": device_id, "h": "0" * 64, "at": datetime.now(UTC)})
        no = conn.execute(text("SELECT no FROM devices WHERE id = :id"), {"id": device_id}).scalar_one()
    return DeviceRef(device_id, no, "510185001001")


def migrate_down(db: Database, revision: str) -> None:
    from alembic import command

    from sync.server.db import alembic_config

    cfg = alembic_config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn.execution_options(write=True)
        command.downgrade(cfg, revision)
        conn.commit()


def test_files_stored_before_0005_stay_with_the_villages_that_link_them(empty_database) -> None:
    _, url = empty_database
    db = Database(url)
    try:
        migrate(db.engine, "0003")
        now = datetime.now(UTC)
        sha, village, other = "c" * 64, "510185001001", "510185002001"
        with db.write() as conn:
            conn.execute(insert(Blob.__table__).values(sha256=sha, size=3, mime="image/png", received=3, complete=True,
                                                       created_at=now, completed_at=now))
            conn.execute(insert(Blob.__table__).values(sha256="d" * 64, size=3, mime="image/png", received=1,
                                                       complete=False, created_at=now))
            conn.execute(insert(Record.__table__).values(
                entity="attachment", id=new_id(), village_code=village, revision=1, deleted=False, seq=1,
                fields={"sha256": sha, "size": 3, "owner_entity": "household"}, field_revs={},
                created_at=now, updated_at=now))
        migrate(db.engine)
        with db.read() as conn:
            grants = conn.execute(select(BlobUpload.__table__.c.sha256, BlobUpload.__table__.c.village_code,
                                         BlobUpload.__table__.c.complete)).all()
        assert [tuple(g) for g in grants] == [(sha, village, True)]
        assert other != village
        migrate_down(db, "0003")
    finally:
        db.dispose()
