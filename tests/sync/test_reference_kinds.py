"""Holidays, standards and the visit rule set on the city server (``jydesk-server reference``),
sent to every village by pull and used by the device from then on (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete

from jydesk.domain.approval import REFERENCE_ENTITY
from jydesk.domain.case_deadlines import deadline
from jydesk.domain.case_facts import CaseFacts
from jydesk.domain.entities import CaseStatus
from jydesk.store import cases as svc
from jydesk.store.reference import visit_policy
from sync.server.cli import main
from sync.server.errors import ServiceError
from sync.server.models import Record, ReferenceSetting
from sync.server.reference import import_csv, list_settings, set_setting
from tests.sync.client_helpers import new_device
from tests.sync.conftest import ServerEnv

HOLIDAYS_2027 = ("day,name,working,source\n2027-01-01,元旦,no,测试通知\n2027-02-06,春节调休上班,yes,测试通知\n"
                 + "".join(f"2027-02-{d:02d},春节,no,测试通知\n" for d in range(7, 16))
                 + "2027-02-20,春节调休上班,yes,测试通知\n")


@pytest.fixture(autouse=True)
def _forget_settings(server: ServerEnv) -> Iterator[None]:
    """City-wide records reach every village with a device (and every village enrolled later):
    remove them, and their copies in the feeds, after each test."""
    yield
    with server.db.write() as conn:
        conn.execute(delete(ReferenceSetting))
        conn.execute(delete(Record).where(Record.entity == REFERENCE_ENTITY))


def test_city_wide_records_reach_every_village_and_are_used_at_once(server: ServerEnv, tmp_path: Path) -> None:
    device = new_device(server, tmp_path / "a", server.new_village())
    facts = CaseFacts("dibao", CaseStatus.PUBLICITY, accepted_on=date(2027, 1, 20))
    before = deadline(facts, svc.work_calendar(device.store))
    assert before is not None and before.approximate and before.due == date(2027, 3, 3)
    assert svc.case_standard(device.store, "dibao", date(2025, 6, 1)).amount == Decimal(950)  # type: ignore[union-attr]

    settings = import_csv(server.db, "holidays", HOLIDAYS_2027)
    assert [(s.key, s.version, s.source) for s in settings] == [("2027", 1, "测试通知")]
    assert import_csv(server.db, "holidays", HOLIDAYS_2027)[0].version == 1  # unchanged: same version
    set_setting(server.db, "standard", "dibao:jianyang:2025-01-01",
                {"amount": "955", "source": "测试文号", "verified": True})
    set_setting(server.db, "visit_policy", "weekly", {"min_age": 65, "any_of": ["独居"]})
    device.sync()

    after = deadline(facts, svc.work_calendar(device.store))
    assert after is not None and after.due == date(2027, 3, 9) and after.approximate == ""
    standard = svc.case_standard(device.store, "dibao", date(2025, 6, 1))
    assert standard is not None and standard.amount == Decimal(955) and standard.verified
    with device.store.read() as s:
        assert visit_policy(s) == {"min_age": 65, "any_of": ["独居"]}

    # a village whose first device enrols later gets the city-wide records too
    later = server.enroll()
    kinds = {c["fields"]["kind"] for c in later.pull_page(cursor="")["changes"] if c["entity"] == REFERENCE_ENTITY}
    assert {"holidays", "standard", "visit_policy"} <= kinds
    # a corrected table is a new version, replacing the year on the device
    fixed = HOLIDAYS_2027.replace("2027-02-20,春节调休上班,yes,测试通知\n", "")
    assert import_csv(server.db, "holidays", fixed)[0].version == 2
    device.sync()
    assert not svc.work_calendar(device.store).is_working_day(date(2027, 2, 20))
    device.close()


def test_bad_records_are_refused_whole(server: ServerEnv) -> None:
    with pytest.raises(ServiceError) as exc:
        import_csv(server.db, "holidays", HOLIDAYS_2027 + "2028-01-03,元旦,yes,x\n")
    assert exc.value.field == "working" and "2028-01-03" in str(exc.value.detail)
    assert list_settings(server.db, "holidays") == []  # nothing of the file was stored
    with pytest.raises(ServiceError) as exc:
        set_setting(server.db, "standard", "dibao:east:2025-01-01", {"amount": "x", "source": "y"})
    assert exc.value.status == 400 and exc.value.field == "amount"
    with pytest.raises(ServiceError, match="只能从 CSV 导入"):
        import_csv(server.db, "approval", "x")


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_cli_import_set_list(server: ServerEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = server.settings.database_url
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(HOLIDAYS_2027, "utf-8")
    assert main(["reference", "import", "--kind", "holidays", str(csv_file), "--database-url", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["key"] == "2027"
    assert main(["reference", "set", "--kind", "visit_policy", "--key", "weekly", "--value",
                 '{"min_age": 60, "any_of": ["独居", "残疾"]}', "--database-url", url]) == 0
    assert "第1版" in capsys.readouterr().out
    assert main(["reference", "list", "--kind", "holidays", "--database-url", url, "--json"]) == 0
    assert [s["key"] for s in json.loads(capsys.readouterr().out)] == ["2027"]
    bad = tmp_path / "bad.csv"
    bad.write_bytes("day,name,working\n2027-02-07,春节,no\n".encode("gbk"))
    for argv, words in [
        (["reference", "import", "--kind", "holidays", str(bad)], "UTF-8"),
        (["reference", "import", "--kind", "holidays", str(tmp_path / "none.csv")], "不存在"),
        (["reference", "set", "--kind", "visit_policy", "--key", "weekly", "--value", "{"], "JSON"),
        (["reference", "set", "--kind", "standard", "--key", "dibao", "--value", "{}"], "类别:地区:起始日期"),
    ]:
        assert main([*argv, "--database-url", url]) == 1
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_two_administrators_at_once_get_distinct_versions(server: ServerEnv) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def setter(n: int) -> list[int]:
        return [set_setting(server.db, "visit_policy", "weekly", {"min_age": 60 + n, "any_of": ["独居"]},
                            always=True).version for _ in range(5)]

    with ThreadPoolExecutor(2) as pool:
        versions = [v for vs in pool.map(setter, (1, 2)) for v in vs]
    assert sorted(versions) == list(range(1, 11))
    (stored,) = list_settings(server.db, "visit_policy")
    assert stored.version == 10
