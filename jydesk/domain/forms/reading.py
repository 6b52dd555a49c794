"""Reading a form definition's TOML: errors that name the file and the place in it, and
typed readers of TOML values that raise them (in Chinese)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


class DefinitionError(ValueError):
    """A form definition that cannot be used; ``str()`` is a Chinese message naming file and field."""

    def __init__(self, message: str, *, path: Path | None = None, where: str = "") -> None:
        self.path = path
        self.where = where
        self.reason = message
        text = message
        if where:
            text = f"{where}：{text}"
        if path is not None:
            text = f"表单定义 {path.parent.name}/{path.name} 有误：{text}"
        super().__init__(text)

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownFormError(DefinitionError, KeyError):
    """No definition with that code (a KeyError, so ``except KeyError`` works too)."""


class Where:
    """Builds DefinitionErrors for one file and one place in it."""

    def __init__(self, path: Path, where: str = "") -> None:
        self.path = path
        self.where = where

    def at(self, where: str) -> Where:
        return Where(self.path, where)

    def fail(self, message: str) -> DefinitionError:
        return DefinitionError(message, path=self.path, where=self.where)


def check_keys(raw: Mapping[str, Any], allowed: set[str], where: Where) -> None:
    unknown = sorted(k for k in raw if k not in allowed)
    if unknown:
        raise where.fail(f"未知的设置项“{unknown[0]}”（可用：{'、'.join(sorted(allowed))}）")


def read_str(raw: Mapping[str, Any], name: str, where: Where, *, required: bool = False) -> str:
    value = raw.get(name)
    if value is None:
        if required:
            raise where.fail(f"缺少 {name}")
        return ""
    if not isinstance(value, str):
        raise where.fail(f"{name} 应为字符串")
    if required and not value.strip():
        raise where.fail(f"{name} 不能为空")
    return value


def read_str_list(raw: Mapping[str, Any], name: str, where: Where) -> list[str]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.fail(f"{name} 应为字符串列表")
    return value


def read_list(raw: Mapping[str, Any], name: str, where: Where) -> list[Any]:
    value = raw.get(name, [])
    if not isinstance(value, list):
        raise where.fail(f"{name} 应为列表（[[...]]）")
    return value


def read_bool(raw: Mapping[str, Any], name: str, where: Where, *, default: bool) -> bool:
    value = raw.get(name, default)
    if not isinstance(value, bool):
        raise where.fail(f"{name} 应为 true 或 false")
    return value


def read_int(raw: Mapping[str, Any], name: str, where: Where, *, default: int, low: int | None = None,
         high: int | None = None) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.fail(f"{name} 应为整数")
    if (low is not None and value < low) or (high is not None and value > high):
        raise where.fail(f"{name} 应在 {low} 到 {high if high is not None else '∞'} 之间")
    return value


def read_opt_int(raw: Mapping[str, Any], name: str, where: Where) -> int | None:
    return read_int(raw, name, where, default=0, low=0) if name in raw else None


def read_float(raw: Mapping[str, Any], name: str, where: Where, default: float) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.fail(f"{name} 应为数字")
    return float(value)
