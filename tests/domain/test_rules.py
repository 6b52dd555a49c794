from datetime import date
from decimal import Decimal

import pytest

from jydesk.domain import care, regions, standards
from jydesk.domain.errors import ValidationError
from jydesk.domain.pinyin import initials
from jydesk.domain.registry import validate_household, validate_person


def test_towns_and_village_codes():
    towns = regions.towns()
    assert len(towns) == 37
    assert regions.town_by_code("510185001").name == "简城街道"
    assert regions.validate_village_code("510185001001") == "510185001001"
    for bad, fragment in (("51018500100", "12位"), ("510185999001", "不是简阳市"), ("510185001000", "000")):
        with pytest.raises(ValidationError, match=fragment):
            regions.validate_village_code(bad)


@pytest.mark.parametrize("flags, age, tier", [
    (["重病"], 65, care.Tier.HIGH),
    (["独居"], 82, care.Tier.HIGH),
    (["失能", "独居"], 70, care.Tier.HIGH),
    (["独居"], 70, care.Tier.HIGH),  # the plan: 60+ and 独居 is weekly
    (["失能"], 70, care.Tier.FOCUS),  # 失能 alone is not in the plan's weekly group
    ([], 85, care.Tier.HIGH),  # 高龄 is derived from age
    (["空巢"], 66, care.Tier.GENERAL),
    (["独居"], 59, care.Tier.NONE),
    ([], 70, care.Tier.NONE),
])
def test_visit_tiers(flags, age, tier):
    assert care.assess(flags, age).tier == tier


def test_severe_disability_derived_from_grade_and_override_wins():
    assert "重残" in care.assess([], 70, disability_grade=1).effective_flags
    assessed = care.assess(["空巢"], 66, override="high", override_reason="近期跌倒")
    assert assessed.tier == care.Tier.HIGH and assessed.overridden and "近期跌倒" in assessed.reason
    with pytest.raises(ValidationError, match="理由"):
        care.validate_override("high", " ")


def test_benefit_standard_in_force_on_a_date():
    table = standards.shipped_standards()
    assert standards.standard_on(table, "dibao", "jianyang", date(2024, 6, 1)).amount == Decimal(860)
    assert standards.standard_on(table, "dibao", "east", date(2025, 3, 1)).amount == Decimal(990)
    # before 2023: the plan's unified 800 (2020) and 成府函〔2017〕181号 (560); nothing before that
    assert standards.standard_on(table, "dibao", "jianyang", date(2022, 12, 31)).amount == Decimal(800)
    assert standards.standard_on(table, "dibao", "jianyang", date(2018, 6, 1)).amount == Decimal(560)
    assert standards.standard_on(table, "dibao", "jianyang", date(2017, 1, 1)) is None
    # 特困: no source found, each row 待核实 with the rule it was worked out by
    tekun = standards.standard_on(table, "tekun", "east", date(2024, 1, 1))
    assert tekun is not None and tekun.amount == Decimal(1183) and not tekun.verified
    assert "1.3" in tekun.rule and "待核实" in tekun.label
    assert all(s.source for s in table)


def test_surname_initials():
    assert initials("张伟") == "zw"
    assert initials("曾国藩") == "zgf"
    assert initials("单田芳") == "stf"
    assert initials("解缙") == "xj"


def test_person_validation_names_every_bad_field():
    with pytest.raises(ValidationError) as exc:
        validate_person({"name": "", "id_number": "510185194503150021", "phone": "123",
                         "disability_grade": 2})
    fields = {e.field for e in exc.value.errors}
    assert {"name", "id_number", "phone", "disability_type"} <= fields
    ok = validate_person({"name": "王芳", "id_number": "11010519491231002x", "monthly_income": "1200.5"})
    assert ok["sex"] == "女" and ok["monthly_income"] == Decimal("1200.50")


def test_household_validation():
    with pytest.raises(ValidationError, match="家庭住址"):
        validate_household({"address": "  "})
    assert validate_household({"address": "3组12号", "group_no": "3"})["group_no"] == 3
