"""Conditions for conditional rules, written as TOML tables.

``{ field = "disability_type", filled = true }``, ``{ field = "support_mode", equals = "分散供养" }``,
``{ field = "x", in = ["a", "b"] }``, ``not_in``, ``not_equals``, ``contains`` (multiple
choice), ``lt``/``le``/``gt``/``ge`` (numbers and dates), and ``{ all = [...] }`` /
``{ any = [...] }`` to combine. Inside a table's row rules, ``field`` names a column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from jydesk.domain.forms.values import is_empty

TESTS = ("filled", "equals", "not_equals", "in", "not_in", "contains", "lt", "le", "gt", "ge")


class ConditionError(ValueError):
    """A malformed condition (Chinese message)."""


@dataclass(frozen=True, slots=True)
class Condition:
    fields: frozenset[str]  # keys the condition reads
    test: Callable[[Mapping[str, Any]], bool]
    text: str  # a readable form for messages/debugging

    def holds(self, values: Mapping[str, Any]) -> bool:
        return self.test(values)


def parse(raw: Any) -> Condition:
    if not isinstance(raw, Mapping):
        raise ConditionError("条件应为表，如 { field = \"x\", filled = true }")
    if "all" in raw or "any" in raw:
        if len(raw) != 1:
            raise ConditionError("all/any 条件不能与其他键并列")
        combiner = "all" if "all" in raw else "any"
        items = raw[combiner]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"{combiner} 条件应为非空列表")
        parts = [parse(item) for item in items]
        join = all if combiner == "all" else any
        return Condition(frozenset().union(*(p.fields for p in parts)),
                         lambda v: join(p.holds(v) for p in parts),
                         f"{combiner}({', '.join(p.text for p in parts)})")
    key = raw.get("field")
    if not isinstance(key, str) or not key:
        raise ConditionError("条件缺少 field")
    tests = [t for t in raw if t != "field"]
    unknown = [t for t in tests if t not in TESTS]
    if unknown:
        raise ConditionError(f"条件中有未知的键：{'、'.join(unknown)}（可用：{'、'.join(TESTS)}）")
    if len(tests) != 1:
        raise ConditionError("每个条件只能有一个判断（如 filled、equals、in）")
    name = tests[0]
    operand = raw[name]
    return Condition(frozenset({key}), _test(key, name, operand), f"{key} {name} {operand!r}")


def _test(key: str, name: str, operand: Any) -> Callable[[Mapping[str, Any]], bool]:
    if name == "filled":
        if not isinstance(operand, bool):
            raise ConditionError("filled 应为 true 或 false")
        return lambda v: (not is_empty(v.get(key))) is operand
    if name in ("equals", "not_equals"):
        want = name == "equals"
        return lambda v: (_plain(v.get(key)) == _plain(operand)) is want
    if name in ("in", "not_in"):
        if not isinstance(operand, list):
            raise ConditionError(f"{name} 应为列表")
        options = [_plain(o) for o in operand]
        want = name == "in"
        return lambda v: (not is_empty(v.get(key)) and _plain(v.get(key)) in options) is want
    if name == "contains":
        return lambda v: isinstance(v.get(key), list) and operand in v.get(key)  # type: ignore[operator]
    bound = _comparable(operand)
    if bound is None:
        raise ConditionError(f"{name} 应为数字或日期")
    compare = {"lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
               "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}[name]

    def ordered(v: Mapping[str, Any]) -> bool:
        value = _comparable(v.get(key))
        return value is not None and type(value) is type(bound) and compare(value, bound)

    return ordered


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def _comparable(value: Any) -> Decimal | date | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    return None
