"""The import graph of ``jydesk/`` and ``sync/``, read statically with ``ast`` (nothing is imported):
no import circles inside a package, the layer rules of docs/architecture.md § Layers, and no
module over 420 lines.

Imports inside functions count as edges (a lazy import does not remove a circle); imports under
``if TYPE_CHECKING:`` do not, since they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP_PACKAGES = ("jydesk", "sync")
MAX_LINES = 420
QT_MODULES = ("PySide6", "PySide6QtAds", "shiboken6")
def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for top in TOP_PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            files[_module_name(path)] = path
    return files


FILES = _source_files()


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under ``node`` except those in ``if TYPE_CHECKING:`` bodies."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _import_nodes(child)


def _imported_names(module: str, path: Path) -> set[str]:
    """The dotted names ``module`` imports; ``from p import x`` gives ``p.x`` when that is a
    module of ours, else ``p``."""
    is_package = path.name == "__init__.py"
    names: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            package = module.split(".")
            drop = node.level - 1 if is_package else node.level
            package = package[: len(package) - drop]
            base = ".".join([*package, base]) if base else ".".join(package)
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            names.add(candidate if candidate in FILES else base)
    return names


IMPORTS = {module: _imported_names(module, path) for module, path in FILES.items()}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _cycles(package: str) -> list[str]:
    """The import circles among the modules of ``package``, one line per strongly connected
    component of more than one module (or a module importing itself): its modules and a
    shortest circle through the first of them."""
    nodes = sorted(m for m in FILES if _within(m, package))
    edges = {m: sorted(t for t in IMPORTS[m] if t in FILES and _within(t, package)) for m in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan; the graphs are small enough for recursion
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges[v]:
                components.append(sorted(component))

    for v in nodes:
        if v not in index:
            connect(v)
    return [
        f"{', '.join(component)} (e.g. {' -> '.join(_one_circle(component, edges))})"
        for component in components
    ]


def _one_circle(component: list[str], edges: dict[str, list[str]]) -> list[str]:
    """A shortest circle through the component's first module, for the report."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in edges[v]:
            if w == start:
                return [*paths[v], start]
            if w in members and w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    return component


def _forbidden(importer: str, imported: tuple[str, ...]) -> list[str]:
    found = []
    for module in sorted(m for m in FILES if _within(m, importer)):
        for name in sorted(IMPORTS[module]):
            if any(_within(name, bad) for bad in imported):
                found.append(f"{module} imports {name}")
    return found


@pytest.mark.parametrize(
    "package",
    [
        "jydesk.store",
        "jydesk.domain",
        "jydesk.printing",
        "sync",
        "jydesk.ui",
    ],
)
def test_no_import_circles(package: str) -> None:
    circles = _cycles(package)
    assert not circles, "modules in an import circle:\n" + "\n".join(circles)


def test_only_the_ui_imports_qt() -> None:
    found = [
        line
        for top in TOP_PACKAGES
        for line in _forbidden(top, QT_MODULES)
        if not _within(line.split()[0], "jydesk.ui")
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("jydesk.domain", ("sqlalchemy", "jydesk.store", "jydesk.printing", "jydesk.ui", "jydesk.cli")),
        ("jydesk.store", ("jydesk.ui",)),
        ("jydesk.printing", ("jydesk.ui",)),
        ("sync.server", ("jydesk.ui", "jydesk.store")),
    ],
)
def test_layer_rules(importer: str, imported: tuple[str, ...]) -> None:
    found = _forbidden(importer, imported)
    assert not found, "\n".join(found)


def _is_migration(module: str) -> bool:
    return ".migrations." in f".{module}."


@pytest.mark.parametrize(
    "package",
    [
        "jydesk",  # all of it but jydesk.ui, checked on its own below
        "jydesk.ui",
        "sync",
    ],
)
def test_module_size(package: str) -> None:
    modules = [m for m in FILES if _within(m, package)]
    if package == "jydesk":
        modules = [m for m in modules if not _within(m, "jydesk.ui")]
    too_long = {
        m: n
        for m in sorted(modules)
        if not _is_migration(m) and (n := len(FILES[m].read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, "\n".join(f"{m}: {n} lines" for m, n in too_long.items())


def test_the_graph_is_read() -> None:
    """A guard for the checks above: the graph holds module-level and function-level imports
    and leaves out ``if TYPE_CHECKING:`` ones."""
    database = IMPORTS["jydesk.store.database"]
    assert "jydesk.store.actor" in database  # module level
    assert "alembic.config" in database  # inside a function
    assert "jydesk.store" not in IMPORTS["jydesk.store.quick_reads"]  # only under TYPE_CHECKING
