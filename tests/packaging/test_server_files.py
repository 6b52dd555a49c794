"""The example files of docs/deploy-server.md agree with the server they configure."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from sync.server.cli import build_parser

SERVER_FILES = Path(__file__).resolve().parents[2] / "packaging" / "server"


def _unit_value(name: str, key: str) -> str:
    text = (SERVER_FILES / name).read_text("utf-8")
    m = re.search(rf"^{key}=(.+)$", text, re.MULTILINE)
    assert m, f"{key}= missing in {name}"
    return m.group(1).strip()


def test_the_units_serve_command_is_valid() -> None:
    argv = shlex.split(_unit_value("jydesk-server.service", "ExecStart"))
    assert argv[0].endswith("/jydesk-server")
    args = build_parser().parse_args(argv[1:])
    assert args.command == "serve" and args.host == "127.0.0.1" and args.workers > 1
    assert _unit_value("jydesk-server.service", "EnvironmentFile") == "/etc/jydesk/server.env"


def test_the_environment_file_parses_as_the_guide_reads_it() -> None:
    """`set -a; . /etc/jydesk/server.env` (the guide's jsrv function) gives these variables."""
    out = subprocess.run(["sh", "-c", 'set -a; . "$1"; env', "sh", str(SERVER_FILES / "server.env.example")],
                         capture_output=True, text=True, check=True, env={}).stdout
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    url = make_url(env["JYDESK_SERVER_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg" and url.username == "jydesk" and url.database == "jydesk"
    assert url.query["host"] == "/var/run/postgresql" and url.password is None
    assert env["JYDESK_SERVER_DATA_DIR"] == "/var/lib/jydesk-server"
    assert env["FORWARDED_ALLOW_IPS"] == "127.0.0.1"


def test_the_proxy_passes_the_api_to_the_units_port() -> None:
    conf = (SERVER_FILES / "nginx-jydesk.conf").read_text("utf-8")
    port = build_parser().parse_args(shlex.split(_unit_value("jydesk-server.service", "ExecStart"))[1:]).port
    assert f"server 127.0.0.1:{port};" in conf
    assert "location /api/" in conf and "X-Forwarded-For" in conf and "X-Forwarded-Proto" in conf
    # nginx must let through what the server itself refuses with a JSON 413 (8 MiB).
    size = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))  # type: ignore[union-attr]
    assert size * 2**20 > 8 * 2**20


def test_the_backup_timer_starts_the_backup_service() -> None:
    assert _unit_value("jydesk-backup.timer", "OnCalendar")
    assert _unit_value("jydesk-backup.service", "ExecStart") == "/usr/local/bin/jydesk-backup"
