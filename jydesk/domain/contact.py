"""Phone numbers and bank account numbers as clerks type them."""

from __future__ import annotations

import re

from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.text import clean, halfwidth

_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_LANDLINE = re.compile(r"^(0\d{2,3})?\d{7,8}$", re.ASCII)
_BANK = re.compile(r"^\d{12,19}$", re.ASCII)
_SEPARATORS = re.compile(r"[\s\-()（）]")


def normalise_phone(raw: str | None) -> str:
    """Without spaces, hyphens and brackets; full-width digits as ASCII."""
    if type(raw) is str and raw.isascii() and raw.isdigit():  # nothing to do (the usual case)
        return raw
    return _SEPARATORS.sub("", halfwidth(clean(raw or "")))


def validate_phone(raw: str | None, field: str = "phone", label: str = "联系电话") -> str | None:
    """11-digit mobile or a landline with optional area code; empty allowed (returns None)."""
    phone = normalise_phone(raw)
    if not phone:
        return None
    if not phone.isascii():
        bad = next(c for c in phone if not c.isascii())
        raise ValidationError(FieldError(field, f"{label}只能填写半角数字，不能含有“{bad}”"))
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(FieldError(field, f"{label}格式不正确：应为11位手机号或带区号的固定电话"))
    return phone


def validate_bank_account(raw: str | None, field: str = "bank_account", label: str = "银行卡号") -> str | None:
    account = re.sub(r"\s", "", halfwidth(clean(raw or "")))
    if not account:
        return None
    if not _BANK.match(account):
        raise ValidationError(FieldError(field, f"{label}应为12至19位数字"))
    return account
