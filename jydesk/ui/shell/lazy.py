"""Modules imported on first use, so the main window paints before SQLAlchemy is loaded.

Panel modules name the store services they call like this (type checkers see the real module)::

    if TYPE_CHECKING:
        from jydesk.store import cases as svc
    else:
        svc = lazy_module("jydesk.store.cases")

``svc.list_cases(...)`` then imports ``jydesk.store.cases`` on its first call (a normal,
thread-safe import; later calls cost one attribute lookup).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module until an attribute of it is needed."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (loaded)' if self._module is not None else ''}>"


def lazy_module(name: str) -> Any:
    """A stand-in for module ``name`` that imports it on first attribute access."""
    return LazyModule(name)
