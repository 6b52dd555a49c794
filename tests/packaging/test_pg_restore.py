"""docs/deploy-server.md, tried on the real PostgreSQL: the role set-up, migrating as that role,
the nightly pg_dump script, and a restore into a fresh database that a device then pulls from.

Each step runs the guide's own files (packaging/server/postgres-setup.sql, jydesk-backup.sh)
and the guide's commands (psql, createdb, pg_restore, jydesk-server migrate / enroll-device).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.engine import make_url

from jydesk.store.models import Household, Person
from sync.server.app import create_app
from sync.server.cli import main as server_cli
from sync.server.config import Settings
from sync.server.db import Database
from tests.sync.client_helpers import new_device
from tests.sync.conftest import GENEROUS, PG_URL, REQUIRE_PG, LiveServer, _pg_reachable

pytestmark = pytest.mark.postgres

SERVER_FILES = Path(__file__).resolve().parents[2] / "packaging" / "server"
VILLAGE = "510185001001"


def _pg() -> dict[str, str]:
    """The environment for psql & co: libpq variables of $JYDESK_TEST_PG_URL's superuser."""
    parts = urlsplit(PG_URL.replace("+psycopg", ""))
    env = dict(os.environ, PGHOST=parts.hostname or "127.0.0.1", PGPORT=str(parts.port or 5432),
               PGUSER=parts.username or "postgres", PGDATABASE="postgres")
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return env


def _run(*cmd: str, env: dict[str, str], cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)}: {proc.stderr}"
    return proc.stdout


def _url(role: str, db: str) -> str:
    return make_url(PG_URL).set(username=role, password=None, database=db).render_as_string(hide_password=False)


@pytest.fixture
def pg_env() -> Iterator[dict[str, str]]:
    problem = _pg_reachable()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL not reachable at {PG_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
    for tool in ("psql", "pg_dump", "pg_restore", "createdb", "dropdb"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not installed (Debian: postgresql-client)")
    yield _pg()


@pytest.fixture
def role_and_databases(pg_env: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """The guide's role and database (postgres-setup.sql); the restore target's name. Dropped after."""
    tag = uuid.uuid4().hex[:10]
    role, db, restored = f"jydesk_r{tag}", f"jydesk_d{tag}", f"jydesk_restored{tag}"
    try:
        _run("psql", "-X", "-q", "-v", f"role={role}", "-v", f"db={db}", "-f", str(SERVER_FILES / "postgres-setup.sql"),
             env=pg_env)
        yield role, db, restored
    finally:
        for name in (db, restored):
            subprocess.run(["dropdb", "--if-exists", "--force", name], env=pg_env, capture_output=True)
        subprocess.run(["psql", "-X", "-q", "-c", f'DROP ROLE IF EXISTS "{role}"'], env=pg_env, capture_output=True)


def _serve(url: str, folder: Path) -> LiveServer:
    db = Database(url)
    return LiveServer(create_app(Settings(database_url=url, data_dir=folder, limits=GENEROUS), db))


def test_role_has_only_its_database(role_and_databases: tuple[str, str, str], pg_env: dict[str, str]) -> None:
    role, db, _ = role_and_databases
    flags = _run("psql", "-X", "-At", "-c",
                 f"SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication FROM pg_roles WHERE rolname = '{role}'",
                 env=pg_env).strip()
    assert flags == "f|f|f|f"
    owner = _run("psql", "-X", "-At", "-c", f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{db}'",
                 env=pg_env).strip()
    assert owner == role
    as_role = dict(pg_env, PGUSER=role, PGDATABASE=db)
    assert _run("psql", "-X", "-At", "-c", "select current_user", env=as_role).strip() == role
    cannot = subprocess.run(["psql", "-X", "-c", f'CREATE DATABASE "{db}_x"'], env=as_role, capture_output=True, text=True)
    assert cannot.returncode != 0 and "permission denied" in cannot.stderr
    # Other roles cannot connect to it.
    other = f"{role}_other"
    _run("psql", "-X", "-q", "-c", f'CREATE ROLE "{other}" LOGIN', env=pg_env)
    try:
        refused = subprocess.run(["psql", "-X", "-c", "select 1"], env=dict(pg_env, PGUSER=other, PGDATABASE=db),
                                 capture_output=True, text=True)
        assert refused.returncode != 0 and "permission denied for database" in refused.stderr
    finally:
        _run("psql", "-X", "-q", "-c", f'DROP ROLE "{other}"', env=pg_env)


def test_dump_and_restore_then_a_device_pulls_everything(role_and_databases: tuple[str, str, str],
                                                         pg_env: dict[str, str], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    role, db, restored = role_and_databases
    url = _url(role, db)
    # Migrating as the limited role works (serve does the same on start).
    assert server_cli(["migrate", "--database-url", url, "--data-dir", str(tmp_path / "srv")]) == 0
    assert "已创建数据库结构" in capsys.readouterr().out

    # A village's work reaches the server through the desktop's sync client.
    with _serve(url, tmp_path / "srv") as live:
        server = SimpleNamespace(db=Database(url), url=live.url)
        device = new_device(server, tmp_path / "desk-1", VILLAGE, village_name="安象街社区")
        households = [device.add_household(address=f"简城街道安象街{n}号") for n in range(1, 6)]
        people = [device.add_person(h, name=f"测试{n}") for n, h in enumerate(households)]
        summary = device.sync()
        assert summary.pushed["applied"] == 10, summary
        device.close()
        server.db.dispose()

    # The nightly backup script, as the timer runs it.
    backups = tmp_path / "backups"
    out = _run("sh", str(SERVER_FILES / "jydesk-backup.sh"),
               env=dict(pg_env, PGDATABASE=db, BACKUP_DIR=str(backups), KEEP_DAYS="30"))
    dump = Path(out.strip().splitlines()[-1])
    assert dump.is_file() and dump.parent == backups and not list(backups.glob(".*partial"))

    # The guide's restore: a fresh database owned by the role, pg_restore into it as the superuser
    # (the dump's owners are kept: the tables and the public schema belong to the role again).
    _run("createdb", "--owner", role, "--template", "template0", "--encoding", "UTF8", restored, env=pg_env)
    _run("pg_restore", "--exit-on-error", "--single-transaction", "--dbname", restored, str(dump), env=pg_env)
    restored_url = _url(role, restored)
    assert server_cli(["migrate", "--database-url", restored_url, "--data-dir", str(tmp_path / "srv2")]) == 0

    # A new computer of the village enrolls on the restored server and finds everything.
    with _serve(restored_url, tmp_path / "srv2") as live:
        server = SimpleNamespace(db=Database(restored_url), url=live.url)
        health = httpx.get(f"{live.url}/api/v1/health", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        second = new_device(server, tmp_path / "desk-2", VILLAGE, village_name="安象街社区")
        pulled = second.sync()
        assert pulled.pulled["created"] == 10, pulled
        for h in households:
            assert second.get(Household, h) is not None
        for p in people:
            assert second.get(Person, p).name.startswith("测试")
        second.close()
        server.db.dispose()
