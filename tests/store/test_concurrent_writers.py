"""Two real processes writing one data folder: write transactions wait for the lock (BEGIN
IMMEDIATE) instead of failing, and one live person per 身份证号 is enforced by the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from jydesk.domain.errors import ValidationError
from jydesk.store.models import Person
from tests.keys import keyed
from tests.store.writer_child import id_number

ROOT = Path(__file__).resolve().parents[2]


def _run_two(data_dir: Path, mode: str, count: int) -> list[dict]:
    go = data_dir.parent / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    children = [subprocess.Popen([sys.executable, "-m", "tests.store.writer_child", str(data_dir), mode, str(count),
                                  tag, str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                 cwd=ROOT) for tag in ("1", "2")]
    time.sleep(1.0)  # both have opened the store (a head start is harmless: they overlap anyway)
    go.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=180)
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _live_people(data_dir: Path) -> list[str]:
    store = keyed(data_dir)
    try:
        with store.read() as s:
            return list(s.execute(select(Person.id_number).where(Person.deleted.is_(False))).scalars())
    finally:
        store.close()


def test_read_then_write_saves_from_two_processes_all_succeed(store, data_dir):
    store.close()
    results = _run_two(data_dir, "saves", 300)
    assert [r["failures"] for r in results] == [[], []]
    assert len(_live_people(data_dir)) == 600


def test_two_processes_adding_the_same_id_numbers_store_each_once(store, data_dir):
    store.close()
    results = _run_two(data_dir, "same-ids", 150)
    assert [r["failures"] for r in results] == [[], []]
    numbers = _live_people(data_dir)
    assert sorted(numbers) == sorted({id_number(i) for i in range(150)})
    assert sum(r["refused"] for r in results) == 150


def test_a_second_live_person_with_the_same_id_number_is_refused_by_the_database(store, clerk):
    number = id_number(7)
    with store.write(clerk) as w:
        w.add(Person(name="张一", id_number=number))
    try:
        with store.write(clerk) as w:
            w.add(Person(name="张二", id_number=number))
    except ValidationError as exc:
        assert "身份证号已登记" in exc.message
    else:
        raise AssertionError("duplicate 身份证号 was stored")
    with store.write(clerk) as w:  # a deleted person's number may be used again
        w.session.execute(select(Person).where(Person.id_number == number)).scalar_one().deleted = True
    with store.write(clerk) as w:
        w.add(Person(name="张三", id_number=number))
    with store.read() as s:
        assert s.execute(select(func.count()).select_from(Person).where(Person.id_number == number)).scalar() == 2
