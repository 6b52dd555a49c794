"""Smoke test of the built wheel, installed the way a user installs it (issue 16, part 1).

    python3 packaging/smoke_wheel.py [--work DIR] [--keep] [--no-postgres]

Builds the wheel from this checkout, installs it (with the ``server`` extra, not editable) into a
fresh virtualenv outside the checkout, and from a folder outside the checkout, without
PYTHONPATH, runs: ``jydesk demo-data``, ``jydesk print`` of every form blank and filled,
``jydesk print-roster``, ``jydesk-server serve`` on SQLite and on PostgreSQL, and on each a
``jydesk enroll`` + ``jydesk sync --json`` of the demo village, which must report no rejected
change. Exits 0 when everything passed.

Only the standard library is used here; everything else runs in the new virtualenv.

Environment:
  PYTHON                        interpreter for the virtualenv (default: this one)
  JYDESK_TEST_PG_URL            PostgreSQL to create a throwaway database on
                                (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres)
  JYDESK_SMOKE_ALLOW_REJECTED=1 report rejected changes of the demo sync instead of failing
  JYDESK_SMOKE_HOUSEHOLDS       demo village size (default 60)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
VILLAGE = "510185001001"
PG_URL = os.environ.get("JYDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BIN = "Scripts" if os.name == "nt" else "bin"
EXE = ".exe" if os.name == "nt" else ""


class SmokeError(Exception):
    pass


def step(message: str) -> None:
    print(f"[smoke-wheel] {message}", flush=True)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would point Python or jydesk at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("JYDESK_")}
    env.update(JYDESK_USER="demo", JYDESK_PASSWORD="jydesk-demo")  # the demo login: the data is encrypted
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, *, env: dict[str, str] | None = None, capture: bool = False,
        timeout: float = 600) -> str:
    shown = " ".join(str(c) for c in cmd)
    started = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env if env is not None else clean_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    if proc.returncode != 0:
        raise SmokeError(f"`{shown}` exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    if not capture:
        last = (proc.stdout.strip().splitlines() or [""])[-1]
        step(f"ok {time.perf_counter() - started:5.1f} s  {shown[-110:]}  {last[:120]}")
    return proc.stdout


# -- wheel --------------------------------------------------------------------------------------


def build_wheel(python: str, out: Path) -> Path:
    # pip builds in an isolated environment from pyproject.toml's build-system, like `pip install .`;
    # setuptools' scratch folder build/ would carry modules deleted since the last build into the wheel.
    shutil.rmtree(CHECKOUT / "build", ignore_errors=True)
    run([python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", out, CHECKOUT], cwd=CHECKOUT,
        env=clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1"))
    shutil.rmtree(CHECKOUT / "build", ignore_errors=True)
    wheels = sorted(out.glob("jydesk-*.whl"))
    if len(wheels) != 1:
        raise SmokeError(f"expected one jydesk wheel in {out}, found {wheels}")
    return wheels[0]


def check_wheel(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        infos = z.infolist()
    names = {i.filename for i in infos}
    forms = sorted(p.relative_to(CHECKOUT / "forms").as_posix() for p in (CHECKOUT / "forms").rglob("*.toml"))
    missing = [f"jydesk/_data/forms/{f}" for f in forms if f"jydesk/_data/forms/{f}" not in names]
    font = "jydesk/_data/resources/fonts/wqy-microhei.ttc"
    if font not in names:
        missing.append(font)
    if missing:
        raise SmokeError(f"the wheel lacks {missing}")
    tops = sorted({n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")})
    if tops != ["jydesk", "sync"]:
        raise SmokeError(f"the wheel installs top-level {tops}, expected only jydesk and sync")
    size = sum(i.file_size for i in infos)
    step(f"wheel {wheel.name}: {wheel.stat().st_size / 1e6:.1f} MB ({size / 1e6:.1f} MB unpacked, "
         f"{len(infos)} files), {len(forms)} form definitions and the font inside")


def make_venv(python: str, wheel: Path, venv: Path) -> Path:
    run([python, "-m", "venv", venv], cwd=venv.parent)
    vpy = venv / BIN / f"python{EXE}"
    # No editable install, nothing from the checkout: the wheel file and PyPI (pip's cache).
    run([vpy, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{wheel}[server]"],
        cwd=venv.parent, timeout=900)
    return vpy


# -- desktop commands --------------------------------------------------------------------------


def check_pdf(path: Path) -> None:
    data = path.read_bytes()
    if not data.startswith(b"%PDF") or b"+WenQuanYiMicroHei" not in data:
        raise SmokeError(f"{path} is not a PDF with the embedded font")


# Through the installed package's API: there is no command that creates a case.
ADD_CASES = """
import sys
from pathlib import Path
from jydesk.store import Actor
from jydesk.store.cases import create_case
from jydesk.store.unlock import login
store, _clerk = login(Path(sys.argv[1]), "demo", "jydesk-demo")  # the data is encrypted
try:
    person, household = sys.argv[2:4]
    for code in sys.argv[4:]:
        create_case(store, Actor("smoke", "演示专干"), code, household_id=household, applicant_id=person)
finally:
    store.close()
"""


# The database is encrypted: read it through the installed package, logged in as the demo clerk.
QUERY = """
import json, sys
from pathlib import Path
from jydesk.store.connection import connect
from jydesk.store.unlock import unlock_key
data = Path(sys.argv[1])
conn = connect(data / "jydesk.sqlite3", unlock_key(data, "demo", "jydesk-demo"), read_only=True)
print(json.dumps(conn.execute(sys.argv[2]).fetchall()))
"""


def _query(vpy: Path, data: Path, sql: str, cwd: Path) -> list[list[str]]:
    return json.loads(run([vpy, "-c", QUERY, data, sql], cwd=cwd, capture=True))


def _cases_and_visit(vpy: Path, data: Path, cwd: Path) -> tuple[dict[str, str], str]:
    cases = dict(_query(vpy, data, "SELECT form_code, min(id) FROM cases GROUP BY form_code", cwd))
    return cases, _query(vpy, data, "SELECT min(id) FROM visits", cwd)[0][0]


def print_everything(jydesk: Path, vpy: Path, data: Path, out: Path, cwd: Path) -> None:
    codes = json.loads(run([vpy, "-c", "import json, importlib.resources as r; print(json.dumps(sorted("
                            "p.name[:-5] for p in r.files('jydesk').joinpath('_data', 'forms').iterdir() "
                            "if p.name.endswith('.toml'))))"], cwd=cwd, capture=True))
    if not codes:
        raise SmokeError("the installed package lists no form definitions")
    # Forms that are not applications (复核表, 生存认证记录: case_type = false) print filled from a
    # recorded review in the app (tests/ui/recipients); here they print blank.
    records = set(json.loads(run([vpy, "-c", "import json, tomllib, importlib.resources as r; print(json.dumps(["
                                  "p.name[:-5] for p in r.files('jydesk').joinpath('_data', 'forms').iterdir() "
                                  "if p.name.endswith('.toml') and tomllib.loads(p.read_text('utf-8'))"
                                  ".get('case_type', True) is False]))"], cwd=cwd, capture=True))) - {"visit", "dibao-auth", "notice"}
    cases, visit = _cases_and_visit(vpy, data, cwd)
    missing = [c for c in codes if c not in cases and c not in ("visit", "dibao-auth", "notice", *records)]
    if missing:  # the demo village has 低保, 临时救助 and 高龄津贴 cases only: add a 草稿 of the others
        person, household = _query(vpy, data, "SELECT id, household_id FROM persons ORDER BY id LIMIT 1", cwd)[0]
        run([vpy, "-c", ADD_CASES, data, person, household, *missing], cwd=cwd, capture=True)
        cases, visit = _cases_and_visit(vpy, data, cwd)
    for code in codes:
        blank = out / f"{code}-blank.pdf"
        run([jydesk, "--data-dir", data, "print", code, "--blank", "-o", blank], cwd=cwd)
        check_pdf(blank)
        if code == "notice":  # 告知书: only for a case ended at the desk (filled: tests/store/test_case_ways.py)
            continue
        if code in records:
            continue
        if code == "visit":
            source = ["--visit", visit]
        elif code in cases:
            source = ["--case", cases[code]]
        elif code == "dibao-auth":  # the companion form prints with a 低保/特困/临时救助 case
            source = ["--case", next(cases[c] for c in ("dibao", "tekun", "linshi") if c in cases)]
        else:
            raise SmokeError(f"the demo village has no case of form {code} to print filled")
        filled = out / f"{code}-filled.pdf"
        run([jydesk, "--data-dir", data, "print", code, *source, "-o", filled], cwd=cwd)
        check_pdf(filled)
    roster = out / "roster.pdf"
    iso = time.localtime()
    week = time.strftime("%G-W%V", iso)
    run([jydesk, "--data-dir", data, "print-roster", "--week", week, "-o", roster], cwd=cwd)
    check_pdf(roster)
    month = time.strftime("%Y-%m", iso)
    for command in ("print-roll", "print-notice"):  # 花名册 and 公布 of the demo recipients
        pdf = out / f"{command}.pdf"
        run([jydesk, "--data-dir", data, command, "--month", month, "-o", pdf], cwd=cwd)
        check_pdf(pdf)


# -- city server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(server: Path, url: str, server_data: Path, cwd: Path, log: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    common = ["--database-url", url, "--data-dir", server_data]
    run([server, "migrate", *common], cwd=cwd)
    with log.open("w", encoding="utf-8") as sink:
        proc = subprocess.Popen([str(c) for c in [server, "serve", *common, "--port", port]], cwd=cwd,
                                env=clean_env(), stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as answer:
                        if json.load(answer).get("status") == "ok":
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SmokeError(f"jydesk-server serve did not answer /api/v1/health:\n{log.read_text('utf-8')[-3000:]}")
                time.sleep(0.2)
            step(f"jydesk-server serve answers {base}/api/v1/health")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    errors = [line for line in log.read_text("utf-8").splitlines() if " 500 " in line or "Traceback" in line]
    if errors:
        raise SmokeError("the server logged errors:\n" + "\n".join(errors[:20]))


def sync_demo_village(label: str, bindir: Path, demo: Path, work: Path, url: str, cwd: Path) -> dict:
    data = work / f"desk-{label}"
    shutil.copytree(demo, data)  # the same demo village, a fresh installation for each server
    server, jydesk = bindir / f"jydesk-server{EXE}", bindir / f"jydesk{EXE}"
    with serving(server, url, work / f"server-{label}", cwd, work / f"server-{label}.log") as base:
        code = json.loads(run([server, "enroll-device", "--database-url", url, "--data-dir", work / f"server-{label}",
                               "--village", VILLAGE, "--json"], cwd=cwd, capture=True))["code"]
        run([jydesk, "--data-dir", data, "enroll", "--server", base, "--code", code], cwd=cwd)
        summary = json.loads(run([jydesk, "--data-dir", data, "sync", "--json"], cwd=cwd, capture=True, timeout=900))
    pushed = sum(summary["pushed"].values())
    step(f"sync on {label}: pushed {pushed} ({summary['pushed']}), held {summary['held']}, "
         f"rejected {summary['rejected']}, conflicts {summary['conflicts']}, waiting {summary['waiting']}")
    if pushed == 0:
        raise SmokeError(f"sync on {label} pushed nothing: {summary}")
    return summary


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new database on the PostgreSQL of $JYDESK_TEST_PG_URL, dropped afterwards."""
    parts = urllib.parse.urlsplit(PG_URL)
    conn = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    name = f"jydesk_smoke_{uuid.uuid4().hex[:10]}"
    env = dict(os.environ, PGPASSWORD=parts.password or "")
    subprocess.run(["createdb", *conn, name], check=True, env=env)
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        subprocess.run(["dropdb", *conn, "--force", name], check=False, env=env)


# -- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="working folder (default: a new temporary one, removed at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL server run")
    args = parser.parse_args(argv)
    python = os.environ.get("PYTHON") or sys.executable
    work = args.work or Path(tempfile.mkdtemp(prefix="jydesk-smoke-wheel-"))
    if work.resolve().is_relative_to(CHECKOUT):
        parser.error("the working folder must be outside the checkout")
    work.mkdir(parents=True, exist_ok=True)
    allow_rejected = os.environ.get("JYDESK_SMOKE_ALLOW_REJECTED") == "1"
    households = os.environ.get("JYDESK_SMOKE_HOUSEHOLDS", "60")
    started = time.perf_counter()
    try:
        wheel = build_wheel(python, work / "wheelhouse")
        check_wheel(wheel)
        vpy = make_venv(python, wheel, work / "venv")
        bindir = vpy.parent
        cwd = work / "elsewhere"  # nothing of the checkout is importable from here
        cwd.mkdir(exist_ok=True)
        where = run([vpy, "-c", "import jydesk, jydesk.paths as p; print(jydesk.__file__); print(p.forms_dir()); "
                     "print(p.font_path())"], cwd=cwd, capture=True).split()
        if any(Path(w).resolve().is_relative_to(CHECKOUT) for w in where) or not Path(where[2]).is_file():
            raise SmokeError(f"the installed jydesk does not use its own data: {where}")
        step(f"installed jydesk finds its forms at {where[1]}")
        demo = work / "demo"
        jydesk = bindir / f"jydesk{EXE}"
        run([jydesk, "--data-dir", demo, "demo-data", "--households", households, "--seed", "1"], cwd=cwd)
        shutil.copytree(demo, work / "printed")  # printing adds cases; the sync sends the demo village as made
        print_everything(jydesk, vpy, work / "printed", work / "pdf", cwd)
        results = {"sqlite": sync_demo_village("sqlite", bindir, demo, work,
                                               f"sqlite:///{work / 'server-sqlite.sqlite3'}", cwd)}
        if not args.no_postgres:
            with postgres_database() as url:
                results["postgres"] = sync_demo_village("postgres", bindir, demo, work, url, cwd)
        rejected = {k: v["rejected"] for k, v in results.items() if v["rejected"]}
        if rejected:
            message = f"the demo village's sync had rejected changes: {rejected}"
            if not allow_rejected:
                raise SmokeError(message + " (JYDESK_SMOKE_ALLOW_REJECTED=1 tolerates them)")
            step(f"WARNING {message} (tolerated: JYDESK_SMOKE_ALLOW_REJECTED=1)")
    except SmokeError as exc:
        print(f"[smoke-wheel] FAILED: {exc}", file=sys.stderr, flush=True)
        print(f"[smoke-wheel] working folder kept: {work}", file=sys.stderr)
        return 1
    step(f"passed in {time.perf_counter() - started:.0f} s")
    if args.keep or args.work:
        step(f"working folder: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
