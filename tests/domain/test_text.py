"""The one text-normalising function of the desktop and the server (jydesk.domain.text)."""

from __future__ import annotations

import pytest

from jydesk.domain import idnumber
from jydesk.domain.contact import validate_phone
from jydesk.domain.errors import ValidationError
from jydesk.domain.forms import get_definition
from jydesk.domain.registry import validate_household, validate_person
from jydesk.domain.text import MAX_DEPTH, TextProblem, ascii_code, clean, clean_value, halfwidth


@pytest.mark.parametrize(("raw", "stored"), [
    ("张三", "张三"),
    ("  张三\u3000", "张三"),
    ("a\x00b", "ab"),                       # NUL pasted from Word
    ("备注\x00：低保\x1b户", "备注：低保户"),
    ("第一行\r\n第二行\r第三行\t完", "第一行\n第二行\n第三行\t完"),
    ("x\x85y\x9fz\x7f", "xyz"),             # C1 controls and DEL
    ("\u202e户主\u202c\u2066李\u2069\u200f", "户主李"),  # bidi override, isolate, mark
    ("e\u0301", "\u00e9"),                  # NFC
    ("x\ud800y", "xy"),                     # a lone surrogate cannot be stored as UTF-8
    ("plain ascii", "plain ascii"),
])
def test_clean(raw: str, stored: str) -> None:
    assert clean(raw) == stored
    assert clean(stored) == stored  # idempotent


def test_halfwidth_and_codes() -> None:
    assert halfwidth("１３８０００００００１") == "13800000001"
    assert halfwidth("ＡＢｃ－（１）") == "ABc-(1)"
    assert ascii_code(" ５１０１８５ ", "组号") == "510185"
    with pytest.raises(TextProblem, match="身份证号只能填写半角数字和字母，不能含有“一”"):
        ascii_code("51018519一", "身份证号")


def test_full_width_id_number_and_phone_are_converted() -> None:
    number = "51018519800101002" + idnumber.check_digit("51018519800101002")
    wide = halfwidth(number).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    assert idnumber.parse(wide).number == number
    assert validate_phone("１３８ ００００ ００００") == "13800000000"
    with pytest.raises(ValidationError, match="不能含有“٣”"):
        validate_phone("1٣800000000")
    with pytest.raises(ValidationError, match="只能填写半角数字和X，不能含有“٣”"):
        idnumber.parse("٣" + number[1:])


def test_registry_rules_convert_full_width_numbers() -> None:
    number = "51018519800101002" + idnumber.check_digit("51018519800101002")
    wide = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    person = validate_person({"name": "张三", "id_number": wide, "phone": "１３８００００００００"})
    assert (person["id_number"], person["phone"]) == (number, "13800000000")
    assert validate_household({"address": "简城街道1号", "phone": "（028）２７００００００"})["phone"] == "02827000000"


def test_clean_value_cleans_nested_text_and_refuses_deep_nesting() -> None:
    rows = [{"name": "李\x00四", "note": "ok"}]
    assert clean_value(rows) == [{"name": "李四", "note": "ok"}]
    same = [{"name": "李四"}]
    assert clean_value(same) is same
    deep: object = "x"
    for _ in range(MAX_DEPTH + 1):
        deep = {"a": deep}
    with pytest.raises(TextProblem, match="嵌套"):
        clean_value(deep)


def test_form_fields_refuse_non_scalars_and_convert_digits() -> None:
    defn = get_definition("dibao")
    errors = {e.field: e.message for e in defn.validate({"applicant_phone": {"a": 1}, "applicant_name": ["x"]})}
    assert "不能是列表或表格" in errors["applicant_phone"] and "不能是列表或表格" in errors["applicant_name"]
    normalised = defn.normalise({"applicant_phone": "１３８００００００００", "applicant_name": "王\x00五 "})
    assert normalised["applicant_phone"] == "13800000000" and normalised["applicant_name"] == "王五"
    errors = {e.field: e.message for e in defn.validate({"applicant_phone": "1三800000000"})}
    assert "不能含有“三”" in errors["applicant_phone"]
