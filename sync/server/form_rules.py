"""Form values (``data.<key>``) of cases and visits, checked with the shared form engine.

The engine (``jydesk.domain.forms``) reads the forms/ definitions; the same definition
validates on the desktop and here. If the engine is not installed the server still runs
and checks everything else (the import is guarded).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jydesk.domain.entities import DATA_PREFIX
from jydesk.domain.errors import FieldError
from sync.protocol.errors import ErrorCode

#: The form that describes a visit's observations, if forms/ has one.
VISIT_FORM_CODE = "visit"


@cache
def _engine() -> Any:
    try:
        from jydesk.domain import forms
    except ImportError:
        return None
    return forms if hasattr(forms, "get_definition") else None


def available() -> bool:
    return _engine() is not None


def definition(code: str, version: int | None = None) -> Any:
    """The form definition for ``code`` (in ``version``, else the current one); None if the
    engine is absent; KeyError if the form or that version is unknown.

    A broken forms/ directory is not the device's fault: its DefinitionError propagates
    (the server answers 500 and logs it) instead of refusing the device's cases.
    """
    engine = _engine()
    if engine is None:
        return None
    try:
        return engine.get_definition(code, version)
    except engine.UnknownFormError as exc:
        raise KeyError(code) from exc


def definition_exists(code: str) -> bool:
    try:
        definition(code)
    except KeyError:
        return False
    return True


def form_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``data.<key>`` values of a flat record as a plain form-value dict."""
    n = len(DATA_PREFIX)
    return {k[n:]: v for k, v in record.items() if k.startswith(DATA_PREFIX) and v is not None}


def _top_key(field: str) -> str:
    return field.split(".", 1)[0].split("[", 1)[0]


def _validate(defn: Any, record: Mapping[str, Any], changed: set[str], *, partial: bool) -> list[FieldError]:
    errors: list[FieldError] = list(defn.validate(form_values(record)))
    if partial:
        sent = {k[len(DATA_PREFIX):] for k in changed if k.startswith(DATA_PREFIX)}
        errors = [e for e in errors if _top_key(e.field) in sent and e.code != ErrorCode.REQUIRED]
    return [FieldError(DATA_PREFIX + e.field if e.field else "data", e.message, e.code) for e in errors]


def check_case(record: Mapping[str, Any], changed: set[str], *, draft: bool) -> tuple[list[FieldError], dict[str, Any]]:
    """Errors in a case's form values: only the keys sent while a draft, all of them after.

    The case is checked against the version of the definition it names (``form_version``;
    none: version 1, what devices sent before cases carried a version)."""
    code = record.get("form_code")
    if not code:
        return [], {}
    version = record.get("form_version") or 1
    try:
        defn = definition(code, version)
    except KeyError:
        if definition_exists(code):
            return [FieldError("form_version", f"申请表“{code}”没有第{version}版定义，请先升级市级系统",
                               ErrorCode.UNKNOWN_FORM)], {}
        return [FieldError("form_code", f"未知的申请表类型“{code}”", ErrorCode.UNKNOWN_FORM)], {}
    if defn is None:
        return [], {}
    if not any(k.startswith(DATA_PREFIX) for k in changed) and draft:
        return [], {}
    return _validate(defn, record, changed, partial=draft), {}


def check_visit(record: Mapping[str, Any], changed: set[str]) -> tuple[list[FieldError], dict[str, Any]]:
    """Errors in a visit's observations (keys sent only: a visit record is filled in the field)."""
    if not any(k.startswith(DATA_PREFIX) for k in changed):
        return [], {}
    try:
        defn = definition(VISIT_FORM_CODE)
    except KeyError:
        return [], {}
    if defn is None:
        return [], {}
    return _validate(defn, record, changed, partial=True), {}


def owned_by_reviewers(code: str | None) -> frozenset[str]:
    """``data.<key>`` names of form fields filled in by the town or county, not the village."""
    if not code:
        return frozenset()
    try:
        defn = definition(code)
    except KeyError:
        return frozenset()
    if defn is None:
        return frozenset()
    return _reviewer_keys(defn)


def _reviewer_keys(defn: Any) -> frozenset[str]:
    keys = []
    for spec in getattr(defn, "fields", ()):
        filled_by = str(getattr(spec, "filled_by", "village"))
        if filled_by not in ("village", "FilledBy.VILLAGE"):
            keys.append(DATA_PREFIX + spec.key)
    return frozenset(keys)
