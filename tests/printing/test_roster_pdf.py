"""The weekly visit roster (本周探访名单) as PDF."""

from __future__ import annotations

from datetime import date

import pytest

from jydesk.domain.errors import ValidationError
from jydesk.printing import RosterRow, render_roster
from tests.printing.page_images import sample_roster
from tests.printing.pdf_text import compact_text, page_texts


def test_roster_lists_everyone_due_with_address_phone_and_tick_column() -> None:
    rows = sample_roster()
    pdf = render_roster("2026-W21", rows, village_name="安象街社区", clerk="李专干", printed_on=date(2026, 5, 18))
    text = compact_text(pdf)
    for label in ("本周探访名单", "姓名", "住址", "联系电话", "探访等级", "上次探访", "应访日期", "已访", "备注"):
        assert label in text
    assert "2026年第21周(5月18日至5月24日)" in text
    assert "安象街社区" in text and "李专干" in text and "共6人" in text
    for row in rows:
        assert row.name in text and row.phone in text
    assert "从未探访" in text and "2026-05-12" in text and "已超期7天" in text


def test_long_roster_repeats_the_header_on_every_page() -> None:
    base = sample_roster()[0]
    rows = [RosterRow(f"对象{i:03d}", "女", 80, f"简城街道安象街{i}号", f"1390000{i:04d}", "高风险（每周）", None,
                      date(2026, 5, 18)) for i in range(60)]
    assert base.name  # the sample row type and this one agree
    pages = page_texts(render_roster("2026-W21", rows, village_name="安象街社区"))
    assert len(pages) >= 3
    assert all("应访日期" in p for p in pages)
    assert "对象059" in pages[-1]
    assert f"第{len(pages)}页/共{len(pages)}页" in pages[-1]


def test_empty_roster_says_so() -> None:
    text = compact_text(render_roster("2026-W21", [], village_name="安象街社区"))
    assert "本周没有到期需探访的对象" in text and "共0人" in text


def test_malformed_week_is_refused_in_chinese() -> None:
    with pytest.raises(ValidationError, match="周次"):
        render_roster("2026-21", [], village_name="安象街社区")
