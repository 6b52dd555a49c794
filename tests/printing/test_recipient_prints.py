"""花名册 and 公布 from the demo village, through the command line: the notice shows names, 保障人数
and amounts only (no 身份证号, no address) and never a 事实无人抚养儿童; bad input is one Chinese line."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from jydesk.domain import benefits as b
from jydesk.store.demo import generate
from jydesk.store.recipients.register import totals
from jydesk.store.recipients.roll import notice_rows, paid_rows
from tests.keys import keyed
from tests.printing.pdf_text import compact_text

MONTH = b.month_of(date.today())


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jydesk", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=120)


def test_roll_and_notice_from_the_cli(data_dir: Path, tmp_path: Path) -> None:
    store = keyed(data_dir)
    generate(store, 200, 5)
    rows = paid_rows(store, MONTH)
    notice = notice_rows(store, MONTH)
    t = totals(store, month=MONTH)
    store.close()
    assert rows and sum(r.amount for r in rows) == t.amount
    assert all(r.status != "停保" for r in rows) and not any(r.benefit == "wuren" for r in notice)
    out = _cli(data_dir, "print-roll", "--month", MONTH, "-o", str(tmp_path / "roll.pdf"))
    assert out.returncode == 0, out.stderr
    roll = compact_text((tmp_path / "roll.pdf").read_bytes())
    assert "在保对象花名册" in roll and rows[0].id_number in roll and f"{t.amount:.2f}" in roll
    out = _cli(data_dir, "print-notice", "--month", MONTH, "-o", str(tmp_path / "notice.pdf"))
    assert out.returncode == 0, out.stderr
    text = compact_text((tmp_path / "notice.pdf").read_bytes())
    assert "社会救助对象公布" in text and notice[0].name in text
    assert not any(r.id_number in text or r.address in text for r in notice)
    out = _cli(data_dir, "print-notice", "--month", MONTH, "--mask", "-o", str(tmp_path / "masked.pdf"))
    masked = compact_text((tmp_path / "masked.pdf").read_bytes())
    assert b.mask_name(notice[0].name) in masked and notice[0].name not in masked


def test_bad_month_is_one_chinese_line(data_dir: Path, tmp_path: Path) -> None:
    out = _cli(data_dir, "print-roll", "--month", "2026-13", "-o", str(tmp_path / "x.pdf"))
    assert out.returncode != 0 and out.stderr.strip().count("\n") == 0 and "月份" in out.stderr
    assert "Traceback" not in out.stderr
