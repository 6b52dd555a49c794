"""The command-line surface: demo data and search, run as real processes."""

from __future__ import annotations

import json
import subprocess
import sys


def jydesk(data_dir, *args, check=True):
    proc = subprocess.run([sys.executable, "-m", "jydesk", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_demo_data_is_deterministic_per_seed_and_searchable(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    jydesk(a, "demo-data", "--households", "40", "--seed", "7")
    jydesk(b, "demo-data", "--households", "40", "--seed", "7")
    hits_a = json.loads(jydesk(a, "search", "z", "--limit", "100", "--json").stdout)
    hits_b = json.loads(jydesk(b, "search", "z", "--limit", "100", "--json").stdout)
    key = lambda hits: sorted((h["name"], h["id_number"]) for h in hits)  # noqa: E731
    assert hits_a and key(hits_a) == key(hits_b)
    first = hits_a[0]
    assert set(first) >= {"person_id", "name", "id_number", "sex", "birth_date", "phone", "address", "matched"}
    by_tail = json.loads(jydesk(a, "search", first["id_number"][-6:], "--json").stdout)
    assert first["id_number"] in [h["id_number"] for h in by_tail]
    again = jydesk(a, "demo-data", "--households", "5", "--if-empty")
    assert "已有数据" in again.stdout


def test_demo_data_refuses_a_folder_with_data_unless_forced(tmp_path):
    from sqlalchemy import func, select

    from jydesk.store.installation import set_up_village
    from jydesk.store.models import Person
    from tests.keys import keyed
    from tests.sync.client_helpers import CLERK, id_number

    store = keyed(tmp_path)
    set_up_village(store, "510185001001", "安象街社区")
    with store.write(CLERK) as w:
        w.add(Person(name="张三", id_number=id_number()))
    store.close()
    refused = jydesk(tmp_path, "demo-data", "--households", "3", check=False)
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr

    def people() -> int:
        store = keyed(tmp_path)
        with store.read() as s:
            n = s.execute(select(func.count()).select_from(Person)).scalar_one()
        store.close()
        return n

    assert people() == 1
    assert jydesk(tmp_path, "demo-data", "--households", "3", "--if-empty").returncode == 0
    assert people() == 1
    jydesk(tmp_path, "demo-data", "--households", "3", "--force")
    assert people() > 1


def test_env_var_selects_the_data_folder_and_errors_are_one_chinese_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "jydesk", "search", "张"], capture_output=True, text=True,
                          env={"JYDESK_DATA_DIR": str(tmp_path / "none"), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert proc.returncode != 0
    assert proc.stderr.strip().startswith("错误：") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_demo_cases_only_use_their_forms_fields(tmp_path):
    from sqlalchemy import select

    from jydesk.domain.forms import get_definition
    from jydesk.store.demo import generate
    from jydesk.store.models import Case
    from tests.keys import keyed

    store = keyed(tmp_path / "d")
    generate(store, 120, 3)
    with store.read() as s:
        cases = s.execute(select(Case)).scalars().all()
    store.close()
    assert cases
    for case in cases:
        unknown = [e for e in get_definition(case.form_code).validate(case.data) if e.code == "unknown"]
        assert not unknown, (case.form_code, unknown)
        if case.status != "草稿":
            assert case.accepted_on is not None
