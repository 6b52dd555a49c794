"""Validation rules for household and person records (shared by the desktop and the server)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jydesk.domain import idnumber
from jydesk.domain.care import CARE_FLAGS, validate_override
from jydesk.domain.contact import validate_phone
from jydesk.domain.errors import FieldError, ValidationError

RELATIONS = ("本人", "配偶", "子", "女", "儿媳", "女婿", "父亲", "母亲", "孙子", "孙女", "外孙子女",
             "兄弟姐妹", "祖父母", "其他")
RESIDENCES = ("城市", "农村")
DISABILITY_TYPES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
HEALTH = ("健康", "慢性病", "重病", "残疾", "失能", "半失能")
EMPLOYMENT = ("务农", "务工", "灵活就业", "在职", "退休", "失业", "在校学生", "学龄前", "无劳动能力", "其他")

PERSON_LABELS = {
    "name": "姓名", "id_number": "身份证号", "relation": "与户主关系", "phone": "联系电话",
    "disability_type": "残疾类别", "disability_grade": "残疾等级", "disability_cert_no": "残疾证号",
    "health": "健康状况", "employment": "就业状况", "monthly_income": "月收入", "care_flags": "关爱标记",
    "visit_tier_override": "探访等级调整", "visit_tier_override_reason": "调整理由",
}
_CENT = Decimal("0.01")
_MAX_INCOME = Decimal("1000000")
HOUSEHOLD_LABELS = {"address": "家庭住址", "group_no": "组", "residence": "城乡类别", "phone": "联系电话"}


def _collect(errors: list[FieldError], fn, *args, **kwargs) -> Any:
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        errors.extend(exc.errors)
        return None


def validate_person(values: dict[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Check a person's fields; return normalised values plus derived birth_date and sex.

    Raises ValidationError listing every bad field (Chinese messages naming the field).
    """
    errors: list[FieldError] = []
    out = dict(values)
    name = (values.get("name") or "").strip()  # text is cleaned before (jydesk.domain.text)
    if not name:
        errors.append(FieldError("name", "姓名不能为空", "required"))
    elif len(name) > 40:
        errors.append(FieldError("name", "姓名不能超过40个字", "length"))
    out["name"] = name
    if "id_number" in values or not errors:
        try:
            parsed = idnumber.parse(values.get("id_number") or "", today=today)
        except ValidationError as exc:
            errors.extend(exc.errors)
        else:
            out["id_number"] = parsed.number
            out["birth_date"] = parsed.birth_date
            out["sex"] = parsed.sex
    if values.get("phone") is not None:
        out["phone"] = _collect(errors, validate_phone, values.get("phone"))
    rel = values.get("relation")
    if rel and rel not in RELATIONS:
        errors.append(FieldError("relation", f"与户主关系“{rel}”不在可选范围内"))
    dtype, grade = values.get("disability_type") or None, values.get("disability_grade")
    if dtype and dtype not in DISABILITY_TYPES:
        errors.append(FieldError("disability_type", f"残疾类别“{dtype}”不在可选范围内"))
    if grade not in (None, ""):
        try:
            grade = int(grade)
        except (TypeError, ValueError):
            grade = -1
        if grade not in (1, 2, 3, 4):
            errors.append(FieldError("disability_grade", "残疾等级应为1至4级"))
        elif not dtype:
            errors.append(FieldError("disability_type", "填写了残疾等级时必须选择残疾类别", "required"))
        out["disability_grade"] = grade if grade in (1, 2, 3, 4) else None
    else:
        out["disability_grade"] = None
        if dtype:
            errors.append(FieldError("disability_grade", "选择了残疾类别时必须填写残疾等级", "required"))
    income = values.get("monthly_income")
    if income not in (None, ""):
        try:
            amount = Decimal(str(income)).quantize(_CENT)
            if amount < 0 or amount > _MAX_INCOME:
                raise InvalidOperation
            out["monthly_income"] = amount
        except (InvalidOperation, ValueError):
            errors.append(FieldError("monthly_income", "月收入应为0至1000000之间的金额（元）"))
    else:
        out["monthly_income"] = None
    flags = values.get("care_flags") or []
    bad = [f for f in flags if f not in CARE_FLAGS]
    if bad:
        errors.append(FieldError("care_flags", f"关爱标记“{'、'.join(bad)}”不在可选范围内"))
    out["care_flags"] = [f for f in CARE_FLAGS if f in flags]
    if values.get("visit_tier_override"):  # validate_override accepts an empty tier as it is
        _collect(errors, validate_override, values["visit_tier_override"], values.get("visit_tier_override_reason"))
    if errors:
        raise ValidationError(errors)
    return out


def validate_household(values: dict[str, Any]) -> dict[str, Any]:
    """Check a household's fields; return normalised values."""
    errors: list[FieldError] = []
    out = dict(values)
    address = (values.get("address") or "").strip()
    if not address:
        errors.append(FieldError("address", "家庭住址不能为空", "required"))
    elif len(address) > 200:
        errors.append(FieldError("address", "家庭住址不能超过200个字", "length"))
    out["address"] = address
    group = values.get("group_no")
    if group not in (None, ""):
        try:
            group = int(group)
            if not 1 <= group <= 99:
                raise ValueError
            out["group_no"] = group
        except (TypeError, ValueError):
            errors.append(FieldError("group_no", "组号应为1至99的整数"))
    else:
        out["group_no"] = None
    residence = values.get("residence") or "农村"
    if residence not in RESIDENCES:
        errors.append(FieldError("residence", "城乡类别应为“城市”或“农村”"))
    out["residence"] = residence
    if values.get("phone") is not None:
        out["phone"] = _collect(errors, validate_phone, values.get("phone"))
    if errors:
        raise ValidationError(errors)
    return out
