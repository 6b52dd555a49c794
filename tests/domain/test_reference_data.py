"""Reference records the city sends: each kind checked, bad input one Chinese line naming the field."""

from __future__ import annotations

import json

import pytest

from jydesk.domain.reference_data import (
    DEFAULT_VISIT_POLICY,
    ReferenceError,
    holidays_from_csv,
    normalize,
    standards_from_csv,
)
from jydesk.domain.standards import from_reference, shipped_standards


def test_holiday_year_is_normalised() -> None:
    key, value = normalize("holidays", " 2027 ", json.dumps([["2027-02-07", "春节\u202e", False],
                                                            ["2027-02-06", "调休", True]]))
    assert key == "2027"
    assert json.loads(value) == [["2027-02-06", "调休", True], ["2027-02-07", "春节", False]]


@pytest.mark.parametrize(("kind", "key", "value", "field", "words"), [
    ("holidays", "27", [], "key", "四位数字"),
    ("holidays", "2027", [["2026-02-07", "春节", False]], "day", "不在 2027 年"),
    ("holidays", "2027", [["2027-02-08", "调休", True]], "working", "是工作日"),
    ("holidays", "2027", [["2027-02-07", "春节", False]] * 2, "day", "重复"),
    ("holidays", "2027", [["2027-02-07", "", False]], "name", "缺少节假日名称"),
    ("holidays", "2027", [["2027-02-07", "春节", "no"]], "working", "true 或 false"),
    ("holidays", "2027", "[[", "value", "JSON"),
    ("holidays", "2027", [], "value", "空的"),
    ("standard", "dibao:mars:2025-01-01", {"amount": 1, "source": "x"}, "key", "地区"),
    ("standard", "dibao:east:2025-13-01", {"amount": 1, "source": "x"}, "key", "起始日期"),
    ("standard", "dibao:east:2025-01-01", {"amount": "NaN", "source": "x"}, "amount", "之间"),
    ("standard", "dibao:east:2025-01-01", {"amount": "1e9", "source": "x"}, "amount", "之间"),
    ("standard", "dibao:east:2025-01-01", {"amount": "abc", "source": "x"}, "amount", "不是数字"),
    ("standard", "dibao:east:2025-01-01", {"amount": 990}, "source", "来源"),
    ("visit_policy", "weekly", {"min_age": "60", "any_of": ["独居"]}, "min_age", "整数"),
    ("visit_policy", "weekly", {"min_age": 60, "any_of": ["外星"]}, "any_of", "标记"),
    ("visit_policy", "monthly", DEFAULT_VISIT_POLICY, "key", "weekly"),
    ("approval", "510185999", "乡镇", "key", "不是简阳市"),
    ("approval", "510185001", "市级", "value", "县级"),
    ("weather", "x", "y", "kind", "不存在"),
])
def test_bad_records_are_refused_with_the_field(kind: str, key: str, value: object, field: str, words: str) -> None:
    with pytest.raises(ReferenceError) as exc:
        normalize(kind, key, value)
    assert exc.value.field == field and words in str(exc.value) and "\n" not in str(exc.value)


def test_csv_imports() -> None:
    years = holidays_from_csv("# 注释\nday,name,working,source\n2027-02-07,春节,no,通知\n2026-12-31,测试,是,\n")
    assert sorted(years) == [2026, 2027] and years[2026][0][2] is True
    with pytest.raises(ReferenceError, match="第2行日期"):
        holidays_from_csv("day,name,working\n2027/02/07,春节,no\n")
    with pytest.raises(ReferenceError, match="列名"):
        holidays_from_csv("日期,名称\n")
    rows = standards_from_csv("kind,area,effective_from,amount,source,verified,rule\n"
                              "tekun,east,2026-01-01,1300,按1.3倍,no,1.3×低保\n")
    assert rows[0][0] == "tekun:east:2026-01-01"
    s = from_reference(*normalize("standard", rows[0][0], rows[0][1])[:1], json.loads(normalize("standard", *rows[0])[1]))
    assert not s.verified and s.rule == "1.3×低保"
    with pytest.raises(ReferenceError, match="第2行"):
        standards_from_csv("kind,area,effective_from,amount,source\ndibao,east,2026-01-01,-5,x\n")


def test_shipped_standards_are_valid_records() -> None:
    for s in shipped_standards():
        normalize("standard", s.key, {"amount": str(s.amount), "source": s.source, "verified": s.verified,
                                      "rule": s.rule})
