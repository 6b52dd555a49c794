"""``jydesk print`` and ``jydesk print-roster`` against a real store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from jydesk.cli import main
from jydesk.store import Actor, Store
from jydesk.store.cases import create_case, save_values
from jydesk.store.models import AuditEntry, Household, Person
from jydesk.store.visits import VisitEntry, record_visit
from tests.printing.pdf_text import compact_text

ID_HEAD = "510185195803140173"
ID_WIFE = "510185196108220248"


def _household(store: Store, actor: Actor) -> tuple[str, str]:
    with store.write(actor) as w:
        household = Household(village_code="510185001001", group_no=3, address="简城街道安象街27号附2号",
                              residence="城市", phone="028-27021234")
        w.add(household)
        w.flush()
        head = Person(village_code="510185001001", household_id=household.id, name="曾德明", id_number=ID_HEAD,
                      relation="本人", phone="13908012345", monthly_income=420, care_flags=["独居"])
        wife = Person(village_code="510185001001", household_id=household.id, name="刘桂芳", id_number=ID_WIFE,
                      relation="配偶", monthly_income=300)
        w.add(head)
        w.add(wife)
        w.flush()
        return household.id, head.id


def _run(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), *args])


def test_print_case_form_and_its_companion(store: Store, clerk: Actor, data_dir: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    household_id, head_id = _household(store, clerk)
    case_id = create_case(store, clerk, "dibao", household_id=household_id, applicant_id=head_id)
    save_values(store, clerk, case_id, {"reason": "户主患慢性病，长期服药，家庭无稳定收入。", "poverty_causes": ["因病"]})
    out = tmp_path / "dibao.pdf"
    assert _run(data_dir, "print", "dibao", "--case", case_id, "-o", str(out)) == 0
    text = compact_text(out.read_bytes())
    assert "曾德明" in text and ID_HEAD in text and ID_WIFE in text and "720.00元" in text
    assert "户主患慢性病" in text
    captured = capsys.readouterr()
    assert "已生成" in captured.out and "2页" in captured.out
    auth = tmp_path / "auth.pdf"
    assert _run(data_dir, "print", "dibao-auth", "--case", case_id, "-o", str(auth)) == 0
    assert "刘桂芳" in compact_text(auth.read_bytes())
    with store.read() as s:
        details = s.execute(select(AuditEntry.detail).where(AuditEntry.action == "print")).scalars().all()
    assert len(details) == 2 and all("命令行打印" in d for d in details)


def test_printing_an_incomplete_case_warns_but_prints(store: Store, clerk: Actor, data_dir: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    household_id, head_id = _household(store, clerk)
    case_id = create_case(store, clerk, "linshi", household_id=household_id, applicant_id=head_id)
    out = tmp_path / "linshi.pdf"
    assert _run(data_dir, "print", "linshi", "--case", case_id, "-o", str(out)) == 0
    assert out.exists()
    err = capsys.readouterr().err
    assert "未填或有误" in err and "困难类型" in err


def test_print_visit(store: Store, clerk: Actor, data_dir: Path, tmp_path: Path) -> None:
    _, head_id = _household(store, clerk)
    visit_id = record_visit(store, clerk, VisitEntry(head_id, {
        "visited_on": "2026-05-12", "method": "电话", "visitors": "李专干", "problems": "血压偏高",
        "handling": "已提醒按时服药"}), today=date(2026, 5, 18))
    out = tmp_path / "visit.pdf"
    assert _run(data_dir, "print", "visit", "--visit", visit_id, "-o", str(out)) == 0
    text = compact_text(out.read_bytes())
    assert "曾德明" in text and "2026年5月12日" in text and "血压偏高" in text and "✓电话" in text


def test_print_blank_needs_no_database(tmp_path: Path) -> None:
    out = tmp_path / "blank.pdf"
    assert _run(tmp_path / "nothing", "print", "gaoling", "--blank", "-o", str(out)) == 0
    assert "高龄津贴申请表" in compact_text(out.read_bytes())


@pytest.mark.parametrize(("args", "message"), [
    (["print", "nope", "--blank"], "没有编码为“nope”的表单"),
    (["print", "dibao", "--visit", "x"], "请用 --case"),
    (["print", "visit", "--case", "x"], "请用 --visit"),
    (["print", "dibao", "--case", "no-such-case"], "找不到申请记录"),
    (["print-roster", "--week", "2026-W60"], "没有第60周"),
])
def test_bad_requests_fail_with_one_chinese_line(store: Store, data_dir: Path, tmp_path: Path, args: list[str],
                                                 message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(data_dir, *args, "-o", str(tmp_path / "x.pdf")) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误：") and message in err and "\n" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_companion_form_must_belong_to_the_case(store: Store, clerk: Actor, data_dir: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    household_id, head_id = _household(store, clerk)
    case_id = create_case(store, clerk, "gaoling", household_id=household_id, applicant_id=head_id)
    assert _run(data_dir, "print", "dibao-auth", "--case", case_id, "-o", str(tmp_path / "x.pdf")) == 1
    assert "不能随“高龄津贴申请表”打印" in capsys.readouterr().err


def test_print_roster(store: Store, clerk: Actor, data_dir: Path, tmp_path: Path) -> None:
    _household(store, clerk)
    out = tmp_path / "roster.pdf"
    assert _run(data_dir, "print-roster", "--week", "2026-W21", "-o", str(out)) == 0
    text = compact_text(out.read_bytes())
    assert "本周探访名单" in text and "安象街社区" in text
