
import pytest
from sqlalchemy import text

from jydesk.domain.idnumber import check_digit
from jydesk.store import SchemaTooNewError
from jydesk.store.database import DB_FILENAME, current_revision, head_revision
from jydesk.store.search import search
from tests.keys import db_connect, keyed


def test_empty_folder_gets_the_current_schema(data_dir):
    store = keyed(data_dir)
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("SELECT count(*) FROM benefit_standards")).scalar() >= 4
    store.close()
    assert not (data_dir / "backups").exists()  # nothing to back up on a new file


def test_upgrade_from_previous_revision_keeps_data_and_backfills_search(data_dir):
    old = keyed(data_dir, migrate_to="0001")
    assert current_revision(old.engine) == "0001"
    first17 = "51018519560101003"
    with old.engine.begin() as conn:
        conn.execute(text("INSERT INTO households (id, village_code, server_revision, deleted, created_at, updated_at,"
                          " address, residence) VALUES ('h1', '510185001001', 0, 0, '2026-01-01', '2026-01-01',"
                          " '3组5号', '农村')"))
        conn.execute(text("INSERT INTO persons (id, village_code, server_revision, deleted, created_at, updated_at,"
                          " household_id, name, id_number, care_flags) VALUES ('p1', '510185001001', 0, 0,"
                          " '2026-01-01', '2026-01-01', 'h1', '曾小红', :idn, '[]')"),
                     {"idn": first17 + check_digit(first17)})
    old.close()
    store = keyed(data_dir)
    assert current_revision(store.engine) == head_revision()
    backups = list((data_dir / "backups").glob("jydesk-*-before-upgrade.sqlite3"))
    assert len(backups) == 1
    with db_connect(backups[0]) as b:
        assert b.execute("SELECT name FROM persons").fetchone() == ("曾小红",)
    with store.sql() as db:
        assert [h.name for h in search(db, "zxh")] == ["曾小红"]
        assert [h.name for h in search(db, "小")] == ["曾小红"]
    store.close()


def test_database_from_a_newer_version_is_refused(data_dir):
    keyed(data_dir).close()
    with db_connect(data_dir / DB_FILENAME) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaTooNewError, match="更新版本"):
        keyed(data_dir)
