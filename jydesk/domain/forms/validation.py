"""Validating and normalising a record's values against its form definition.

Error keys: the field key, or ``members[2].id_number`` for a table cell (0-based row index;
the Chinese message says 第3行). Messages name the field by its printed label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from jydesk.domain import disability
from jydesk.domain.errors import FieldError, ValidationError
from jydesk.domain.forms.model import FieldSpec, FieldType, FormSpec, RuleKind, RuleSpec
from jydesk.domain.forms.values import CoercionError, coerce, format_date, is_empty, quantize, to_json

_DATE_WORDS = {"<": "早于", "<=": "不晚于", ">": "晚于", ">=": "不早于", "==": "等于", "!=": "不同于"}
_NUMBER_WORDS = {"<": "小于", "<=": "不大于", ">": "大于", ">=": "不小于", "==": "等于", "!=": "不等于"}
MONEY_TOLERANCE = Decimal("0.01")


def validate(defn: FormSpec, values: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(values, Mapping):
        return [FieldError("data", "表单数据格式不正确", "format")]
    known = set(defn.keys)
    for key in values:
        if key not in known:
            errors.append(FieldError(key, f"“{defn.title}”中没有“{key}”这一项", "unknown"))
    typed: dict[str, Any] = {}
    for spec in defn.fields:
        if not spec.stores_value:
            continue
        if spec.type is FieldType.TABLE:
            rows = _table(spec, values.get(spec.key), errors)
            if rows is not None:
                typed[spec.key] = rows
            continue
        value = _field(spec, values.get(spec.key), spec.key, "", errors)
        if value is not None:
            typed[spec.key] = value
    expected_env = dict(typed)
    for spec in defn.compute_order:
        _check_computed(spec, typed, expected_env, errors)
    rule_env = {**expected_env, **typed}  # computed values stand in for blank computed fields
    for rule in defn.rules:
        _apply_rule(rule, defn.field, rule_env, rule.field, "", errors)
    return _dedupe(errors)


def typed_values(defn: FormSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """The coercible values as Python types; anything invalid is left out."""
    typed: dict[str, Any] = {}
    for spec in defn.fields:
        if not spec.stores_value or spec.key not in values:
            continue
        raw = values[spec.key]
        if spec.type is FieldType.TABLE:
            if isinstance(raw, list):
                typed[spec.key] = [_typed_row(spec, row) for row in raw if isinstance(row, Mapping)]
            continue
        try:
            value = coerce(spec, raw)
        except CoercionError:
            continue
        if value is not None:
            typed[spec.key] = value
    return typed


def normalise(defn: FormSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-friendly values; raises ValidationError listing every value that cannot be coerced.

    Keys that are present stay present (an emptied field becomes None); blank table rows
    are dropped; unknown keys are kept unchanged (``validate`` reports them).
    """
    errors: list[FieldError] = []
    result = _convert(defn, values, errors)
    if errors:
        raise ValidationError(errors)
    return result


def lenient(defn: FormSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """Like :func:`normalise` but keeps uncoercible values as they are (for printing drafts)."""
    return _convert(defn, values, None)


def _convert(defn: FormSpec, values: Mapping[str, Any], errors: list[FieldError] | None) -> dict[str, Any]:
    result: dict[str, Any] = dict(values)
    for spec in defn.fields:
        if spec.key not in values or not spec.stores_value:
            continue
        raw = values[spec.key]
        if spec.type is FieldType.TABLE:
            result[spec.key] = _convert_rows(spec, raw, errors)
            continue
        result[spec.key] = _convert_one(spec, raw, spec.key, "", errors)
    return result


def _convert_rows(spec: FieldSpec, raw: Any, errors: list[FieldError] | None) -> Any:
    if is_empty(raw):
        return []
    if not isinstance(raw, list):
        if errors is not None:
            errors.append(FieldError(spec.key, f"“{spec.label}”应为表格行的列表", "format"))
        return raw
    rows: list[Any] = []
    for index, row in enumerate(raw):
        if not isinstance(row, Mapping):
            if errors is not None:
                errors.append(FieldError(f"{spec.key}[{index}]", f"{spec.label}第{index + 1}行数据格式不正确", "format"))
            rows.append(row)
            continue
        if all(is_empty(v) for v in row.values()):
            continue
        out = dict(row)
        for col in spec.columns:
            if col.key in row and col.stores_value:
                out[col.key] = _convert_one(col, row[col.key], f"{spec.key}[{index}].{col.key}",
                                            f"{spec.label}第{index + 1}行", errors)
        rows.append(out)
    return rows


def _convert_one(spec: FieldSpec, raw: Any, key: str, prefix: str, errors: list[FieldError] | None) -> Any:
    try:
        return to_json(spec, coerce(spec, raw))
    except CoercionError as exc:
        if errors is None:
            return raw
        errors.append(FieldError(key, _msg(prefix, f"“{spec.label}”{exc}"), exc.code))
        return raw


def _typed_row(table: FieldSpec, row: Mapping[str, Any]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for col in table.columns:
        try:
            value = coerce(col, row.get(col.key))
        except CoercionError:
            continue
        if value is not None:
            typed[col.key] = value
    return typed


def _msg(prefix: str, text: str) -> str:
    return f"{prefix}：{text}" if prefix else text


def _field(spec: FieldSpec, raw: Any, key: str, prefix: str, errors: list[FieldError]) -> Any:
    """Coerce and check one scalar field; append errors; return the typed value or None."""
    try:
        value = coerce(spec, raw)
    except CoercionError as exc:
        errors.append(FieldError(key, _msg(prefix, f"“{spec.label}”{exc}"), exc.code))
        return None
    if value is None:
        if spec.required:
            errors.append(FieldError(key, _msg(prefix, f"请填写“{spec.label}”"), "required"))
        return None
    problem = _constraint_problem(spec, value)
    if problem:
        code, text = problem
        errors.append(FieldError(key, _msg(prefix, f"“{spec.label}”{text}"), code))
    return value


def _constraint_problem(spec: FieldSpec, value: Any) -> tuple[str, str] | None:
    if isinstance(value, str):
        length = len(value)
        if spec.max_length is not None and length > spec.max_length:
            return "length", f"不能超过{spec.max_length}个字（当前{length}个）"
        if spec.min_length is not None and length < spec.min_length:
            return "length", f"至少{spec.min_length}个字（当前{length}个）"
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            return "pattern", spec.pattern_message or "格式不正确"
    if isinstance(value, int | Decimal | date) and not isinstance(value, bool):
        low, high = _bound(spec.min_value), _bound(spec.max_value)
        if low is not None and value < low:
            return "range", f"不能{'早于' if isinstance(value, date) else '小于'}{_show(spec, low)}"
        if high is not None and value > high:
            return "range", f"不能{'晚于' if isinstance(value, date) else '大于'}{_show(spec, high)}"
    return None


def _bound(bound: Any) -> Any:
    return date.today() if bound == "today" else bound


def _show(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, date):
        return "今天" if value == date.today() else format_date(value)
    if isinstance(value, Decimal) and spec.type is FieldType.MONEY:
        return f"{value:.2f}元"
    return f"{value}{spec.unit}"


def _table(spec: FieldSpec, raw: Any, errors: list[FieldError]) -> list[dict[str, Any]] | None:
    if is_empty(raw):
        if spec.required or spec.min_rows:
            errors.append(FieldError(spec.key, f"“{spec.label}”至少填写{max(spec.min_rows, 1)}行", "required"))
        return None
    if not isinstance(raw, list):
        errors.append(FieldError(spec.key, f"“{spec.label}”应为表格行的列表", "format"))
        return None
    rows: list[dict[str, Any]] = []
    known = {c.key for c in spec.columns if c.stores_value}
    for index, row in enumerate(raw):
        prefix = f"{spec.label}第{index + 1}行"
        base = f"{spec.key}[{index}]"
        if not isinstance(row, Mapping):
            errors.append(FieldError(base, f"{prefix}数据格式不正确", "format"))
            continue
        if all(is_empty(v) for v in row.values()):
            continue
        for key in row:
            if key not in known:
                errors.append(FieldError(f"{base}.{key}", f"{prefix}：没有“{key}”这一列", "unknown"))
        typed: dict[str, Any] = {}
        for col in spec.columns:
            if not col.stores_value:
                continue
            value = _field(col, row.get(col.key), f"{base}.{col.key}", prefix, errors)
            if value is not None:
                typed[col.key] = value
        for rule in spec.row_rules:
            _apply_rule(rule, spec.column, typed, f"{base}.{rule.field}", prefix, errors)
        rows.append(typed)
    if len(rows) < spec.min_rows:
        errors.append(FieldError(spec.key, f"“{spec.label}”至少填写{spec.min_rows}行", "required"))
    if spec.max_rows is not None and len(rows) > spec.max_rows:
        errors.append(FieldError(spec.key, f"“{spec.label}”最多填写{spec.max_rows}行", "range"))
    return rows


def _check_computed(spec: FieldSpec, typed: Mapping[str, Any], env: dict[str, Any], errors: list[FieldError]) -> None:
    """Compare a computed field the clerk filled with its value computed from the inputs.

    ``env`` holds computed values in place of typed ones, so one wrong total is reported
    once and not again in every figure derived from it.
    """
    assert spec.compute is not None
    expected = spec.compute.evaluate(env)
    if expected is None:
        return
    if isinstance(expected, Decimal) and spec.type in (FieldType.MONEY, FieldType.NUMBER):
        expected = quantize(expected, 2 if spec.type is FieldType.MONEY else spec.decimals)
    env[spec.key] = int(quantize(expected, 0)) if spec.type is FieldType.INTEGER and isinstance(expected, Decimal) else expected
    actual = typed.get(spec.key)
    if actual is None or _same(spec, actual, expected):
        return
    why = f"（{spec.hint}）" if spec.hint else ""
    errors.append(FieldError(spec.key, f"“{spec.label}”应为{_value_text(spec, expected)}{why}，当前为{_value_text(spec, actual)}", "computed"))


def _same(spec: FieldSpec, actual: Any, expected: Any) -> bool:
    if isinstance(expected, Decimal) and isinstance(actual, int | Decimal) and not isinstance(actual, bool):
        if spec.type is FieldType.INTEGER:
            return Decimal(actual) == expected.to_integral_value()
        return abs(Decimal(actual) - expected) <= MONEY_TOLERANCE
    return bool(actual == expected)


def _value_text(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, Decimal):
        if spec.type is FieldType.INTEGER:
            return f"{int(value)}{spec.unit}"
        return f"{value:.2f}{'元' if spec.type is FieldType.MONEY else spec.unit}"
    if isinstance(value, date):
        return format_date(value)
    return f"{value}{spec.unit}"


def _apply_rule(rule: RuleSpec, lookup: Any, typed: Mapping[str, Any], key: str, prefix: str,
                errors: list[FieldError]) -> None:
    spec: FieldSpec = lookup(rule.field)
    if rule.kind is RuleKind.REQUIRED_IF:
        assert rule.when is not None
        if rule.when.holds(typed) and is_empty(typed.get(rule.field)):
            errors.append(FieldError(key, _msg(prefix, rule.message or f"请填写“{spec.label}”"), "required"))
    elif rule.kind is RuleKind.INVALID_IF:
        assert rule.when is not None
        if rule.when.holds(typed):
            errors.append(FieldError(key, _msg(prefix, rule.message), "rule"))
    elif rule.kind is RuleKind.EQUALS:
        assert rule.expr is not None
        actual, expected = typed.get(rule.field), rule.expr.evaluate(typed)
        if actual is not None and expected is not None and not _same(spec, actual, expected):
            text = rule.message or f"“{spec.label}”应为{_value_text(spec, expected)}"
            errors.append(FieldError(key, _msg(prefix, f"{text}，当前为{_value_text(spec, actual)}"), "sum"))
    elif rule.kind is RuleKind.COMPARE:
        other: FieldSpec = lookup(rule.other)
        left, right = typed.get(rule.field), typed.get(rule.other)
        if left is None or right is None or type(left) is not type(right) or _holds(rule.op, left, right):
            return
        words = _DATE_WORDS if isinstance(left, date) else _NUMBER_WORDS
        text = rule.message or f"“{spec.label}”应{words[rule.op]}“{other.label}”"
        errors.append(FieldError(key, _msg(prefix, text), "rule"))
    elif rule.kind is RuleKind.DISABILITY_CERT:
        cert = typed.get(rule.field)
        problem = disability.cert_problem(cert, *(typed.get(k) for k in rule.of)) if cert else None
        if problem:
            errors.append(FieldError(key, _msg(prefix, rule.message or f"“{spec.label}”{problem}"), "rule"))
    elif rule.kind is RuleKind.MIN_DAYS:
        start, end = typed.get(rule.start), typed.get(rule.end)
        if not isinstance(start, date) or not isinstance(end, date):
            return
        start_label, end_label = lookup(rule.start).label, lookup(rule.end).label
        if end < start:
            errors.append(FieldError(key, _msg(prefix, f"“{end_label}”不能早于“{start_label}”"), "rule"))
            return
        days = (end - start).days + 1
        if days < rule.days:
            text = rule.message or f"“{start_label}”至“{end_label}”应不少于{rule.days}天"
            errors.append(FieldError(key, _msg(prefix, f"{text}（当前{days}天）"), "rule"))


def _holds(op: str, left: Any, right: Any) -> bool:
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
            "==": left == right, "!=": left != right}[op]


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen: set[tuple[str, str]] = set()
    result = []
    for error in errors:
        if (error.field, error.message) not in seen:
            seen.add((error.field, error.message))
            result.append(error)
    return result
