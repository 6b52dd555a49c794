"""Computed fields: a tiny, safe arithmetic language over field keys.

Grammar (Python syntax, checked with :mod:`ast`): numbers, field keys, ``+ - * /``,
parentheses and the functions

- ``sum(table.column)``, ``min(table.column)``, ``max(table.column)``, ``count(table)``
- ``age(id_field, date_field)`` whole years on that date, ``sex(id_field)``,
  ``birth(id_field)`` — facts encoded in a 身份证号.

An expression whose inputs are missing yields ``None`` (nothing computed). ``sum`` needs
every row's value: a blank income is not silently taken as 0.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jydesk.domain import idnumber
from jydesk.domain.forms.model import FieldSpec, FieldType, FormSpec
from jydesk.domain.forms.validation import typed_values
from jydesk.domain.forms.values import quantize, to_json

Env = Mapping[str, Any]
Node = Callable[[Env], Any]
TABLE_FUNCTIONS = ("sum", "min", "max")
ID_FUNCTIONS = ("sex", "birth")


class ExpressionError(ValueError):
    """A malformed expression; the message is Chinese and names the problem."""


@dataclass(frozen=True, slots=True)
class Expression:
    source: str
    refs: frozenset[str]  # top-level keys read (tables by their key)
    column_refs: frozenset[tuple[str, str]]  # (table, column) pairs read
    _node: Node

    def evaluate(self, env: Env) -> Any:
        """The value on typed inputs ``env`` (Decimal/int/str/date), or None."""
        try:
            return self._node(env)
        except (ZeroDivisionError, InvalidOperation, TypeError):
            return None


def parse(source: str) -> Expression:
    """Compile ``source``; ExpressionError (Chinese) if it uses anything not allowed."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        raise ExpressionError(f"计算式“{source}”语法错误") from None
    refs: set[str] = set()
    column_refs: set[tuple[str, str]] = set()
    node = _compile(tree.body, source, refs, column_refs)
    return Expression(source, frozenset(refs), frozenset(column_refs), node)


def _compile(node: ast.expr, source: str, refs: set[str], cols: set[tuple[str, str]]) -> Node:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        constant = Decimal(str(node.value))
        return lambda env: constant
    if isinstance(node, ast.Name):
        key = node.id
        refs.add(key)
        return lambda env: _number_or_value(env.get(key))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _compile(node.operand, source, refs, cols)
        return lambda env: _neg(inner(env))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        left = _compile(node.left, source, refs, cols)
        right = _compile(node.right, source, refs, cols)
        op = node.op
        return lambda env: _binop(op, left(env), right(env))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        return _call(node.func.id, node.args, source, refs, cols)
    raise ExpressionError(f"计算式“{source}”中含有不支持的写法：{ast.unparse(node)}")


def _call(name: str, args: list[ast.expr], source: str, refs: set[str], cols: set[tuple[str, str]]) -> Node:
    if name in TABLE_FUNCTIONS:
        if len(args) != 1 or not _is_column(args[0]):
            raise ExpressionError(f"计算式“{source}”：{name}() 的参数应为“表格.列”，如 sum(members.monthly_income)")
        table, column = _column(args[0])
        refs.add(table)
        cols.add((table, column))
        reducer: Callable[[list[Decimal]], Decimal] = {"sum": sum, "min": min, "max": max}[name]  # type: ignore[assignment]
        return lambda env: _reduce(env.get(table), column, reducer)
    if name == "count":
        if len(args) != 1 or not isinstance(args[0], ast.Name):
            raise ExpressionError(f"计算式“{source}”：count() 的参数应为表格字段，如 count(members)")
        table = args[0].id
        refs.add(table)
        return lambda env: _count(env.get(table))
    if name in ID_FUNCTIONS or name == "age":
        want = 2 if name == "age" else 1
        if len(args) != want or not all(isinstance(a, ast.Name) for a in args):
            usage = "age(身份证号字段, 日期字段)" if name == "age" else f"{name}(身份证号字段)"
            raise ExpressionError(f"计算式“{source}”：用法应为 {usage}")
        keys = [a.id for a in args]  # type: ignore[attr-defined]
        refs.update(keys)
        if name == "age":
            return lambda env: _age(env.get(keys[0]), env.get(keys[1]))
        return lambda env: _id_fact(env.get(keys[0]), name)
    raise ExpressionError(f"计算式“{source}”：不支持的函数 {name}()")


def _is_column(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)


def _column(node: ast.expr) -> tuple[str, str]:
    assert isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    return node.value.id, node.attr


def _number_or_value(value: Any) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    return value


def _neg(value: Any) -> Any:
    return -value if isinstance(value, Decimal) else None


def _binop(op: ast.operator, left: Any, right: Any) -> Decimal | None:
    if not isinstance(left, Decimal) or not isinstance(right, Decimal):
        return None
    if isinstance(op, ast.Add):
        return left + right
    if isinstance(op, ast.Sub):
        return left - right
    if isinstance(op, ast.Mult):
        return left * right
    return left / right


def _reduce(rows: Any, column: str, reducer: Callable[[list[Decimal]], Decimal]) -> Decimal | None:
    if not isinstance(rows, list) or not rows:
        return None
    numbers = [_number_or_value(row.get(column)) if isinstance(row, Mapping) else None for row in rows]
    if any(not isinstance(n, Decimal) for n in numbers):
        return None
    return reducer(numbers)


def _count(rows: Any) -> Decimal | None:
    return Decimal(len(rows)) if isinstance(rows, list) and rows else None


def _age(number: Any, on: Any) -> Decimal | None:
    if not isinstance(number, str) or not isinstance(on, date):
        return None
    try:
        return Decimal(idnumber.parse(number, today=on).age_on(on))
    except ValueError:
        return None


def _id_fact(number: Any, fact: str) -> Any:
    if not isinstance(number, str):
        return None
    try:
        parsed = idnumber.parse(number)
    except ValueError:
        return None
    return parsed.sex if fact == "sex" else parsed.birth_date


def compute_order(fields: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
    """Computed fields ordered so each comes after the computed fields it reads.

    Raises ExpressionError naming the fields of a cycle.
    """
    computed = {f.key: f for f in fields if f.compute is not None}
    order: list[FieldSpec] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            raise ExpressionError(f"计算字段循环引用：{' → '.join([*path, key])}")
        state[key] = 1
        spec = computed[key]
        assert spec.compute is not None
        for ref in sorted(spec.compute.refs):
            if ref in computed:
                visit(ref, [*path, key])
        state[key] = 2
        order.append(spec)

    for key in computed:
        visit(key, [])
    return tuple(order)


def computed(defn: FormSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON values of every computed field whose inputs are present in ``values``."""
    env = typed_values(defn, values)
    result: dict[str, Any] = {}
    for spec in defn.compute_order:
        assert spec.compute is not None
        value = spec.compute.evaluate(env)
        if value is None:
            continue  # inputs missing: a value the clerk typed stays in ``env``
        if isinstance(value, Decimal):
            if spec.type is FieldType.INTEGER:
                value = int(quantize(value, 0))
            elif spec.type in (FieldType.MONEY, FieldType.NUMBER):
                value = quantize(value, 2 if spec.type is FieldType.MONEY else spec.decimals)
            else:
                value = str(value)
        env[spec.key] = value
        result[spec.key] = to_json(spec, value)
    return result
