"""Phone numbers and bank account numbers as clerks type them."""

from __future__ import annotations

import re

from jydesk.domain.errors import FieldError, ValidationError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})?\d{7,8}$")
_BANK = re.compile(r"^\d{12,19}$")


def normalise_phone(raw: str | None) -> str:
    return re.sub(r"[\s\-()（）]", "", raw or "")


def validate_phone(raw: str | None, field: str = "phone", label: str = "联系电话") -> str | None:
    """11-digit mobile or a landline with optional area code; empty allowed (returns None)."""
    phone = normalise_phone(raw)
    if not phone:
        return None
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(FieldError(field, f"{label}格式不正确：应为11位手机号或带区号的固定电话"))
    return phone


def validate_bank_account(raw: str | None, field: str = "bank_account", label: str = "银行卡号") -> str | None:
    account = re.sub(r"\s", "", raw or "")
    if not account:
        return None
    if not _BANK.match(account):
        raise ValidationError(FieldError(field, f"{label}应为12至19位数字"))
    return account
