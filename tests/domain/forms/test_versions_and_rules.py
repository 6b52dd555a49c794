"""Versioned form definitions (issue 18, item 5) and the 2021 rule checks of the v2 forms (item 3)."""

from __future__ import annotations

from typing import Any

import pytest

from jydesk.domain.disability import cert_problem
from jydesk.domain.forms import UnknownFormError, form_versions, get_definition, load_definitions, load_file
from jydesk.domain.forms.loader import HISTORY_DIR
from jydesk.paths import forms_dir
from tests.printing.form_samples import HEAD, id_number, sample

CODES = ("dibao", "dibao-auth", "tekun", "linshi", "canji", "gaoling", "wuren", "visit", "notice", "review", "proof")


def by_field(errors: list[Any]) -> dict[str, str]:
    return {e.field: e.message for e in errors}


def test_form_codes_are_kept_and_every_old_version_loads() -> None:
    assert sorted(load_definitions()) == sorted(CODES)
    for code in CODES:
        current = get_definition(code)
        assert form_versions(code) == list(range(1, current.version + 1))
        for version in form_versions(code):
            defn = get_definition(code, version)
            assert (defn.code, defn.version) == (code, version)
        assert get_definition(code, current.version) is current
    for path in (forms_dir() / HISTORY_DIR).glob("*.toml"):
        assert load_file(path).version < get_definition(path.stem.partition(".v")[0]).version


def test_unknown_version_is_refused_in_chinese() -> None:
    with pytest.raises(UnknownFormError, match="没有第9版定义"):
        get_definition("dibao", 9)


def test_an_old_case_stays_valid_under_its_own_version() -> None:
    """A v1 低保 record lacks the v2 fields (申请方式, 近亲属关系申明): valid as v1, not as v2."""
    v1, v2 = get_definition("dibao", 1), get_definition("dibao")
    values = {k: v for k, v in sample(v2).items() if v1.has_field(k)}
    assert v1.validate(values) == []
    assert {"application_scope", "close_relative"} <= set(by_field(v2.validate(values)))


def test_full_width_id_digits_are_converted_and_fifteen_digits_keep_their_code() -> None:
    tekun = get_definition("tekun")
    values = sample(tekun)
    wide = values["applicant_id_number"].translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    assert tekun.normalise({**values, "applicant_id_number": wide})["applicant_id_number"] == \
        values["applicant_id_number"]
    errors = tekun.validate({**values, "applicant_id_number": "510185440907031"})
    assert [(e.field, e.code) for e in errors] == [("applicant_id_number", "legacy")]


def test_tekun_incapacity_checked_against_the_age_from_the_id_number() -> None:
    tekun = get_definition("tekun")
    values = sample(tekun)  # 81 years old
    assert tekun.validate(values) == []
    young = tekun.complete({**values, "applicant_id_number": HEAD["id_number"], "applicant_age": None,
                            "applicant_birth": None, "applicant_sex": None})  # 68: still 60+
    assert tekun.validate(young) == []
    forty = tekun.complete({**values, "applicant_id_number": id_number("19800101", 11), "applicant_age": None,
                            "applicant_birth": None, "applicant_sex": None})
    assert by_field(tekun.validate(forty)) == {"incapacity_basis": "勾选了“年满60周岁”，但按身份证号申请人未满60周岁"}
    errors = by_field(tekun.validate({**values, "incapacity_basis": ["未满16周岁"]}))
    assert errors == {"incapacity_basis": "勾选了“未满16周岁”，但按身份证号申请人已满16周岁"}
    errors = by_field(tekun.validate({**values, "incapacity_basis": ["肢体残疾一至二级"]}))
    assert errors == {"incapacity_basis": "勾选了“肢体残疾一至二级”，但残疾类别、等级不符"}


def test_disability_cert_number_is_id_number_category_and_grade() -> None:
    number = HEAD["id_number"]
    assert cert_problem(number + "42", number, "肢体", "二级") is None
    assert cert_problem(number + "42B1", number, "肢体", 2) is None  # a reissued card
    assert "第19位" in cert_problem(number + "42", number, "视力", "二级")
    assert "第20位" in cert_problem(number + "43", number, "肢体", "二级")
    assert "前18位" in cert_problem("11010519491231002X42", number, "肢体", "二级")
    canji = get_definition("canji")
    values = sample(canji)
    errors = by_field(canji.validate({**values, "disability_cert_no": number + "52"}))
    assert errors == {"disability_cert_no": "“残疾证号”第19位（残疾类别）应为4（肢体），当前为5"}


def test_living_allowance_needs_a_dibao_household() -> None:
    canji = get_definition("canji")
    values = sample(canji)
    errors = by_field(canji.validate({**values, "dibao_status": "否"}))
    assert errors == {"subsidy_types": "困难残疾人生活补贴限低保家庭中的残疾人（国发〔2015〕52号）"}
    assert canji.validate({**values, "dibao_status": "否", "subsidy_types": ["重度残疾人护理补贴"]}) == []


def test_canji_guardian_needs_relation_id_and_phone() -> None:
    canji = get_definition("canji")
    errors = by_field(canji.validate({**sample(canji), "guardian_name": "曾晓东"}))
    assert set(errors) == {"guardian_relation", "guardian_id_number", "guardian_phone"}


def test_wuren_parent_situations_and_six_month_minimum() -> None:
    wuren = get_definition("wuren")
    values = sample(wuren)
    assert wuren.validate({**values, "father_situation": "被撤销监护资格", "father_months": None}) == []
    errors = by_field(wuren.validate({**values, "mother_months": 4}))
    assert errors == {"mother_months": "母亲服刑在押、强制隔离戒毒、其他限制人身自由的期限或失联时长应满6个月"}
    errors = by_field(wuren.validate({**values, "father_months": None}))
    assert set(errors) == {"father_months"}
    errors = by_field(wuren.validate({**values, "support_received": ["孤儿基本生活费"]}))
    assert set(errors) == {"support_received"}


def test_linshi_non_local_without_residence_permit_gets_emergency_aid_only() -> None:
    linshi = get_definition("linshi")
    values = {**sample(linshi), "hukou_type": "非本地户籍（无居住证）"}
    assert set(by_field(linshi.validate(values))) == {"hardship_type"}
    assert linshi.validate({**values, "hardship_type": "急难型"}) == []


def test_dibao_single_person_household_and_close_relatives() -> None:
    dibao = get_definition("dibao")
    values = sample(dibao)
    errors = by_field(dibao.validate({**values, "application_scope": "单人户"}))
    assert set(errors) == {"single_basis", "applied_persons"}
    ok = {**values, "application_scope": "单人户", "single_basis": "重特大疾病患者", "applied_persons": 1}
    assert dibao.validate(ok) == []  # 家庭人口 stays 3: the household is still listed
    assert set(by_field(dibao.validate({**values, "close_relative": "是"}))) == {"close_relative_note"}


def test_gaoling_agent_needs_relation_and_id_number() -> None:
    gaoling = get_definition("gaoling")
    values = {**sample(gaoling), "agent_relation": None, "agent_id_number": None}
    assert set(by_field(gaoling.validate(values))) == {"agent_relation", "agent_id_number"}


def test_dibao_auth_ticks_the_matter_of_its_case() -> None:
    auth = get_definition("dibao-auth")
    context = {"case": {"form_code": "tekun"}, "village": {}, "household": {}, "applicant": {}, "members": []}
    assert auth.prefill(context)["assistance_types"] == ["特困人员救助供养"]
