"""Every documented command of ``jydesk`` and ``jydesk-server`` (README § Command line) answers bad
input or an unavailable service with one Chinese line on stderr and a non-zero exit — never a
traceback. Run as real processes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from jydesk.store.demo import generate
from tests.keys import keyed

CJK = re.compile(r"[\u4e00-\u9fff]")
REFUSED = "http://127.0.0.1:9"  # discard port: nothing listens
PG_REFUSED = "postgresql+psycopg://postgres@127.0.0.1:9/jydesk"

# (name, arguments; {data} = a folder with a demo village, {empty} = a folder without a database,
#  {tmp} = a scratch folder)
JYDESK = [
    ("unknown command", ["--data-dir", "{data}", "nosuch"]),
    ("demo-data without --households", ["--data-dir", "{empty}", "demo-data"]),
    ("demo-data --households 0", ["--data-dir", "{empty}", "demo-data", "--households", "0"]),
    ("demo-data --households abc", ["--data-dir", "{empty}", "demo-data", "--households", "abc"]),
    ("demo-data on a folder with data", ["--data-dir", "{data}", "demo-data", "--households", "2"]),
    ("demo-data on an unusable folder", ["--data-dir", "/proc/nope", "demo-data", "--households", "2"]),
    ("search without a database", ["--data-dir", "{empty}", "search", "张"]),
    ("search --limit 0", ["--data-dir", "{data}", "search", "张", "--limit", "0"]),
    ("search --limit x", ["--data-dir", "{data}", "search", "张", "--limit", "x"]),
    ("search in an unusable folder", ["--data-dir", "/proc/nope", "search", "张"]),
    ("print unknown form", ["--data-dir", "{data}", "print", "nope", "--blank", "-o", "{tmp}/a.pdf"]),
    ("print without a source", ["--data-dir", "{data}", "print", "dibao", "-o", "{tmp}/a.pdf"]),
    ("print unknown case", ["--data-dir", "{data}", "print", "dibao", "--case", "nope", "-o", "{tmp}/a.pdf"]),
    ("print unknown visit", ["--data-dir", "{data}", "print", "visit", "--visit", "nope", "-o", "{tmp}/a.pdf"]),
    ("print to an unwritable place", ["--data-dir", "{data}", "print", "dibao", "--blank", "-o", "/proc/nope/a.pdf"]),
    ("print without a database", ["--data-dir", "{empty}", "print", "dibao", "--case", "x", "-o", "{tmp}/a.pdf"]),
    ("print-roster bad week", ["--data-dir", "{data}", "print-roster", "--week", "2026-W99", "-o", "{tmp}/r.pdf"]),
    ("print-roster week text", ["--data-dir", "{data}", "print-roster", "--week", "本周", "-o", "{tmp}/r.pdf"]),
    ("print-roster without a database", ["--data-dir", "{empty}", "print-roster", "--week", "2026-W20", "-o",
                                         "{tmp}/r.pdf"]),
    ("enroll without --code", ["--data-dir", "{data}", "enroll", "--server", REFUSED]),
    ("enroll to a bad address", ["--data-dir", "{data}", "enroll", "--server", "notaurl", "--code", "ABCD-EFGH-JKMN"]),
    ("enroll to a server that is down", ["--data-dir", "{data}", "enroll", "--server", REFUSED, "--code",
                                         "ABCD-EFGH-JKMN"]),
    ("sync without a database", ["--data-dir", "{empty}", "sync"]),
    ("sync not enrolled", ["--data-dir", "{data}", "sync", "--server", REFUSED, "--retries", "1"]),
    ("sync --json not enrolled", ["--data-dir", "{data}", "sync", "--json", "--retries", "1"]),
    ("sync --retries 0", ["--data-dir", "{data}", "sync", "--retries", "0"]),
    ("export-bundle without a database", ["--data-dir", "{empty}", "export-bundle", "-o", "{tmp}/b.jybundle"]),
    ("export-bundle not enrolled", ["--data-dir", "{data}", "export-bundle", "-o", "{tmp}/b.jybundle"]),
    ("export-bundle without -o", ["--data-dir", "{data}", "export-bundle"]),
    ("add-clerk without a database", ["--data-dir", "{empty}", "add-clerk", "--username", "u2", "--name", "王五"]),
    ("add-clerk without a password", ["--data-dir", "{data}", "add-clerk", "--username", "u2", "--name", "王五"]),
    ("add-clerk without --name", ["--data-dir", "{data}", "add-clerk", "--username", "u2"]),
]
SERVER = [
    ("unknown command", ["nosuch"]),
    ("no command", []),
    ("migrate with an unreadable URL", ["migrate", "--database-url", "notaurl"]),
    ("migrate with an unsupported database", ["migrate", "--database-url", "mysql://u@127.0.0.1/db"]),
    ("migrate with PostgreSQL down", ["migrate", "--database-url", PG_REFUSED]),
    ("list-devices in an unusable folder", ["list-devices", "--data-dir", "/proc/nope"]),
    ("list-held in an unusable folder", ["list-held", "--data-dir", "/proc/nope"]),
    ("list-devices with PostgreSQL down", ["list-devices", "--database-url", PG_REFUSED]),
    ("list-devices --older-than text", ["list-devices", "--older-than", "新版", "--data-dir", "{tmp}"]),
    ("list-devices --older-than without a value", ["list-devices", "--older-than"]),
    ("enroll-device --hours 0", ["enroll-device", "--village", "510185001001", "--hours", "0", "--data-dir", "{tmp}"]),
    ("enroll-device --hours -5", ["enroll-device", "--village", "510185001001", "--hours", "-5", "--data-dir",
                                  "{tmp}"]),
    ("enroll-device bad village", ["enroll-device", "--village", "123", "--data-dir", "{tmp}"]),
    ("enroll-device without --village", ["enroll-device", "--data-dir", "{tmp}"]),
    ("revoke-device unknown", ["revoke-device", "nope", "--data-dir", "{tmp}"]),
    ("create-reviewer without a terminal", ["create-reviewer", "--username", "r1", "--name", "李审核", "--city",
                                            "--data-dir", "{tmp}"]),
    ("create-reviewer empty password", ["create-reviewer", "--username", "r1", "--name", "李审核", "--city",
                                        "--password-stdin", "--data-dir", "{tmp}"]),
    ("create-reviewer without a scope", ["create-reviewer", "--username", "r1", "--name", "李审核", "--data-dir",
                                         "{tmp}"]),
    ("import-bundle missing file", ["import-bundle", "{tmp}/none.jybundle", "--data-dir", "{tmp}"]),
    ("import-bundle not a bundle", ["import-bundle", "{tmp}/garbage.jybundle", "--data-dir", "{tmp}"]),
    ("serve --workers 0", ["serve", "--workers", "0", "--data-dir", "{tmp}"]),
    ("serve --port abc", ["serve", "--port", "abc", "--data-dir", "{tmp}"]),
    ("serve --min-protocol 0", ["serve", "--min-protocol", "0", "--data-dir", "{tmp}"]),
    ("serve --min-protocol beyond the server's", ["serve", "--min-protocol", "99", "--data-dir", "{tmp}"]),
    ("serve --min-protocol text", ["serve", "--min-protocol", "新", "--data-dir", "{tmp}"]),
    ("serve with PostgreSQL down", ["serve", "--database-url", PG_REFUSED, "--port", "1"]),
]


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("data")
    store = keyed(data)
    generate(store, 5, seed=1)
    store.close()
    tmp = tmp_path_factory.mktemp("tmp")
    (tmp / "garbage.jybundle").write_bytes(b"not a bundle at all")
    return {"data": str(data), "empty": str(tmp_path_factory.mktemp("empty")), "tmp": str(tmp)}


def _run(module: str, args: list[str], folders: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = [a.format(**folders) for a in args]
    return subprocess.run([sys.executable, "-m", module, *argv], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def _assert_one_chinese_line(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode != 0, (proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert CJK.search(lines[0]) and lines[0].startswith("错误："), lines[0]
    assert not re.search(r"[A-Za-z]{4,}Error|sqlalche\.me|psycopg\.|Errno|No such|denied|not found|[Ii]nvalid",
                         lines[0]), lines[0]


@pytest.mark.parametrize(("name", "args"), JYDESK, ids=[n for n, _ in JYDESK])
def test_jydesk_answers_bad_input_in_one_chinese_line(name: str, args: list[str], folders: dict[str, str]) -> None:
    proc = _run("jydesk", args, folders)
    _assert_one_chinese_line(proc)
    if "--json" in args:
        import json

        assert json.loads(proc.stdout)["ok"] is False and CJK.search(json.loads(proc.stdout)["error"])


@pytest.mark.parametrize(("name", "args"), SERVER, ids=[n for n, _ in SERVER])
def test_jydesk_server_answers_bad_input_in_one_chinese_line(name: str, args: list[str],
                                                             folders: dict[str, str]) -> None:
    _assert_one_chinese_line(_run("sync.server.cli", args, folders))


def test_a_closed_pipe_is_no_error(folders: dict[str, str]) -> None:
    """``jydesk search 张 | head -2``: the reader goes away; no traceback, exit 0."""
    proc = subprocess.Popen([sys.executable, "-m", "jydesk", "--data-dir", folders["data"], "search", "5101",
                             "--limit", "1000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # nobody reads: the first large write fails with EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 0 and "Traceback" not in err, err


def test_sync_json_failure_is_a_json_object(folders: dict[str, str]) -> None:
    import json

    proc = _run("jydesk", ["--data-dir", "{data}", "sync", "--json", "--retries", "1"], folders)
    body = json.loads(proc.stdout)
    assert body["ok"] is False and body["status"] == proc.returncode != 0 and "登记" in body["error"]


def test_folders_are_as_described(folders: dict[str, str]) -> None:
    assert (Path(folders["data"]) / "jydesk.sqlite3").exists() and not any(Path(folders["empty"]).iterdir())


@pytest.mark.parametrize("program", ["jydesk.cli", "sync.server.cli"])
def test_help_is_in_chinese(program: str) -> None:
    """``-h`` of the program and of a sub-command: Chinese headings, no argparse English."""
    from importlib import import_module

    parser = import_module(program).build_parser()
    pages = [parser.format_help()]
    sub = next(a for a in parser._actions if a.dest == "command")
    pages += [p.format_help() for p in sub.choices.values()]  # type: ignore[union-attr]
    for page in pages:
        assert page.startswith("用法：")
        for english in ("usage:", "options:", "positional arguments", "show this help"):
            assert english not in page
