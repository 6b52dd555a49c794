"""Validation, normalisation, prefill and computed fields of the shipped form definitions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms import get_definition
from jydesk.domain.idnumber import check_digit


def idn(birth: str, seq: int) -> str:
    first17 = f"510185{birth}{seq:03d}"
    return first17 + check_digit(first17)


HEAD = idn("19580314", 17)  # 男
WIFE = idn("19610822", 24)  # 女


def context() -> dict[str, Any]:
    head = {"id": "p1", "name": "曾德明", "id_number": HEAD, "relation": "本人", "phone": None, "sex": "男",
            "birth_date": "1958-03-14", "age": 68, "monthly_income": Decimal("420.00"), "disability_type": "肢体",
            "disability_grade": 2, "care_flags": ["独居", "重病", "不在表上的标记"]}
    wife = {"id": "p2", "name": "刘桂芳", "id_number": WIFE, "relation": "配偶", "sex": "女", "birth_date": "1961-08-22",
            "age": 64, "monthly_income": "300"}
    return {"village": {"code": "510185001001", "name": "安象街社区", "town_name": "简城街道"},
            "household": {"id": "h1", "group_no": 3, "address": "简城街道安象街27号", "residence": "城市",
                          "phone": "028-27021234"},
            "applicant": head, "members": [head, wife], "clerk": {"name": "李专干"}, "today": "2026-05-18"}


def dibao_values(**changes: Any) -> dict[str, Any]:
    defn = get_definition("dibao")
    values = defn.prefill(context())
    values.update(applied_on="2026-04-15", poverty_causes=["因病"], reason="户主长期患病，无稳定收入。",
                  application_scope="整户", close_relative="否")
    values = defn.complete(values)
    values.update(changes)
    return values


def errors_by_field(errors: list[FieldError]) -> dict[str, str]:
    return {e.field: e.message for e in errors}


def test_prefill_takes_everything_from_the_records() -> None:
    values = get_definition("dibao").prefill(context())
    assert values["applicant_name"] == "曾德明" and values["applicant_id_number"] == HEAD
    assert values["applicant_phone"] == "028-27021234"  # person has none: the household's
    assert values["hukou_address"] == "简阳市简城街道安象街社区"
    assert values["applied_on"] == "2026-05-18" and values["household_size"] == 2
    assert values["members"][0] == {"person_id": "p1", "name": "曾德明", "relation": "本人", "id_number": HEAD,
                                    "disability_type": "肢体", "disability_grade": "二级", "monthly_income": "420.00"}
    assert values["members"][1]["monthly_income"] == "300.00"
    visit = get_definition("visit").prefill(context())
    assert visit["care_flags"] == ["独居", "重病"] and visit["visitors"] == "李专干"
    assert get_definition("gaoling").prefill(context())["hukou_address"] == "简阳市简城街道安象街社区3组"


def test_prefilled_invalid_record_value_is_kept_for_the_clerk_to_see() -> None:
    ctx = context()
    ctx["applicant"] = {**ctx["applicant"], "phone": "12345"}
    values = get_definition("dibao").prefill(ctx)
    assert values["applicant_phone"] == "12345"
    assert "applicant_phone" in errors_by_field(get_definition("dibao").validate(values))


def test_computed_totals_and_facts_from_the_id_number() -> None:
    values = dibao_values()
    computed = get_definition("dibao").computed(values)
    assert computed["family_income"] == "720.00" and computed["per_capita_income"] == "360.00"
    assert computed["applicant_sex"] == "男" and computed["applicant_birth"] == "1958-03-14"
    assert computed["applicant_age"] == 68  # on the application date
    assert "income_gap" not in computed  # no standard entered yet
    more = get_definition("dibao").computed({**values, "approved_standard": "950", "approved_persons": 2})
    assert more["income_gap"] == "590.00" and more["monthly_amount"] == "1180.00"


def test_sum_needs_every_row() -> None:
    values = dibao_values()
    values["members"][1]["monthly_income"] = None
    assert "family_income" not in get_definition("dibao").computed(values)


def test_valid_record_has_no_errors() -> None:
    assert get_definition("dibao").validate(dibao_values()) == []


def test_required_fields_are_named_by_label() -> None:
    errors = errors_by_field(get_definition("dibao").validate({}))
    assert errors["applicant_name"] == "请填写“姓名”"
    assert errors["applied_on"] == "请填写“申请日期”"
    assert errors["members"] == "“家庭成员”至少填写1行"


def test_table_cell_errors_point_at_the_row_and_column() -> None:
    bad = WIFE[:-1] + ("0" if WIFE[-1] != "0" else "1")
    values = dibao_values()
    values["members"][1]["id_number"] = bad
    values["members"][0]["disability_grade"] = None
    errors = errors_by_field(get_definition("dibao").validate(values))
    assert errors["members[1].id_number"].startswith("家庭成员第2行：“身份证号”有误：身份证号校验位错误")
    assert errors["members[0].disability_grade"] == "家庭成员第1行：填写了残疾类别，请同时填写“残疾等级”"


def test_cross_field_sum_is_checked() -> None:
    errors = errors_by_field(get_definition("dibao").validate(dibao_values(family_income="800")))
    assert errors == {"family_income": "“家庭月总收入”应为720.00元（家庭成员月收入之和），当前为800.00元"}


def test_sex_must_agree_with_the_id_number() -> None:
    errors = errors_by_field(get_definition("dibao").validate(dibao_values(applicant_sex="女")))
    assert errors["applicant_sex"] == "“性别”应为男（与身份证号一致），当前为女"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"applicant_phone": "1380000"}, "applicant_phone", "“联系电话”应为11位手机号或带区号的固定电话"),
    ({"financial_assets": "12.345"}, "financial_assets", "“金融资产”应为金额（元），最多两位小数"),
    ({"financial_assets": "-5"}, "financial_assets", "“金融资产”不能小于0.00元"),
    ({"applied_on": "2026-02-30"}, "applied_on", "“申请日期”应为有效日期"),
    ({"applied_on": "2999-01-01"}, "applied_on", "“申请日期”不能晚于今天"),
    ({"residence": "郊区"}, "residence", "“城乡类别”只能选择：城市、农村（当前为“郊区”）"),
    ({"reason": "难" * 801}, "reason", "“申请理由”不能超过800个字（当前801个）"),
    ({"publicity_start": "2026-04-20", "publicity_end": "2026-04-24"}, "publicity_end", "低保公示期不少于7天（当前5天）"),
    ({"publicity_start": "2026-04-20", "publicity_end": "2026-04-18"}, "publicity_end", "“至”不能早于“公示起止日期”"),
    ({"investigated_on": "2026-04-01"}, "investigated_on", "“调查日期”不能早于“申请日期”"),
    ({"publicity_objection": "有异议"}, "objection_handling", "公示有异议时，请填写“异议处理情况”"),
    ({"no_such_key": 1}, "no_such_key", "“最低生活保障申请审核确认表”中没有“no_such_key”这一项"),
])
def test_field_errors(changes: dict[str, Any], field: str, message: str) -> None:
    errors = errors_by_field(get_definition("dibao").validate(dibao_values(**changes)))
    assert field in errors, errors
    assert errors[field].startswith(message)


def test_conditional_rules_of_other_forms() -> None:
    canji = get_definition("canji")
    values = canji.complete({**canji.prefill(context()), "applied_on": "2026-04-15", "disability_cert_no": HEAD + "43",
                             "disability_type": "肢体", "disability_grade": "三级", "dibao_status": "否",
                             "is_tekun": "否", "work_injury_care": "否", "other_similar": "否",
                             "subsidy_types": "重度残疾人护理补贴", "bank_name": "简阳农商银行",
                             "bank_account": "6228 4804 6912 3456 789", "reason": "行动不便"})
    errors = errors_by_field(canji.validate(values))
    assert errors == {"subsidy_types": "重度残疾人护理补贴限一、二级残疾人和三、四级智力、精神残疾人"}
    assert canji.validate({**values, "disability_type": "智力", "disability_cert_no": HEAD + "53"}) == []
    gaoling = get_definition("gaoling")
    young = gaoling.prefill(context())  # applicant is 68: age computed from the ID number
    young.pop("applicant_age")
    assert errors_by_field(gaoling.validate(young))["applicant_age"] == "高龄津贴申请人须年满80周岁"
    tekun = get_definition("tekun")
    errors = errors_by_field(tekun.validate({"support_mode": "分散供养", "self_care": "半失能",
                                             "obligor_status": "法定义务人无履行义务能力"}))
    assert errors["caregiver"] == "分散供养且不能完全自理的，请填写“护理人”"
    assert errors["obligor_name"] == "有法定义务人的，请填写“义务人姓名”"


def test_visit_form_checks() -> None:
    visit = get_definition("visit")
    base = {"person_name": "王淑华", "visited_on": "2026-05-12", "method": "入户", "visitors": "李专干"}
    assert visit.validate(base) == []
    errors = errors_by_field(visit.validate({**base, "method": "上门", "visit_time": "25:00", "house_hazard": "有",
                                             "next_visit_on": "2026-05-01", "service_needs": ["无", "康复护理"]}))
    assert set(errors) == {"method", "visit_time", "safety_note", "next_visit_on", "service_needs"}
    assert errors["visit_time"] == "“时间”应为24小时制时间，如 09:30"


def test_normalise_coerces_to_json_friendly_values() -> None:
    defn = get_definition("dibao")
    data = defn.normalise({"applied_on": "2026年4月15日", "financial_assets": "1,234.5元", "household_size": "3",
                           "poverty_causes": "因病、因残", "applicant_phone": "139 0801 2345",
                           "members": [{"name": " 曾德明 ", "monthly_income": 420}, {"name": "", "relation": None}],
                           "review_on": None})
    assert data == {"applied_on": "2026-04-15", "financial_assets": "1234.50", "household_size": 3,
                    "poverty_causes": ["因病", "因残"], "applicant_phone": "13908012345",
                    "members": [{"name": "曾德明", "monthly_income": "420.00"}], "review_on": None}
    assert get_definition("canji").normalise({"is_tekun": "是", "work_injury_care": 0}) == {
        "is_tekun": True, "work_injury_care": False}


def test_normalise_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValidationError) as info:
        get_definition("dibao").normalise({"applied_on": "昨天", "members": [{"monthly_income": "很多"}]})
    assert {e.field for e in info.value.errors} == {"applied_on", "members[0].monthly_income"}


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_money_normalisation_is_exact_and_idempotent(amount: Decimal) -> None:
    defn = get_definition("dibao")
    once = defn.normalise({"financial_assets": str(amount)})
    assert Decimal(once["financial_assets"]) == amount
    assert defn.normalise(once) == once
