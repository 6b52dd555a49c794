"""Loading forms/<code>.toml into :class:`FormDefinition`, checking everything on the way.

A broken definition raises :class:`DefinitionError` whose message names the file and the
field (or section/rule) at fault, in Chinese. The format is documented in forms/README.md.

Versions: ``forms/<code>.toml`` is the current definition of a form (its ``version``);
older versions stay loadable as ``forms/history/<code>.v<N>.toml`` so that a case keeps the
definition it was filled with (:func:`get_definition` with ``version``).
"""

from __future__ import annotations

import threading
import tomllib
from pathlib import Path

from jydesk.domain.forms.definition import FormDefinition
from jydesk.domain.forms.parsing import parse_form
from jydesk.domain.forms.reading import DefinitionError, UnknownFormError, Where
from jydesk.paths import forms_dir

__all__ = ["HISTORY_DIR", "DefinitionError", "UnknownFormError", "clear_cache", "form_versions", "get_definition",
           "load_definitions", "load_directory", "load_file"]

HISTORY_DIR = "history"  # forms/history/<code>.v<N>.toml: older versions of forms/<code>.toml


def load_file(path: Path) -> FormDefinition:
    """Parse and check one definition file."""
    top = Where(path)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise top.fail(f"TOML 语法错误（{exc}）") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise top.fail(f"无法读取文件（{exc}）") from None
    return parse_form(raw, top)


# --- the definition set ----------------------------------------------------------------
_cache: dict[str, FormDefinition] | None = None
_old: dict[tuple[str, int], FormDefinition] = {}
_lock = threading.Lock()


def load_directory(directory: Path) -> dict[str, FormDefinition]:
    """Every ``*.toml`` in ``directory`` by code (README and other files ignored)."""
    if not directory.is_dir():
        raise DefinitionError(f"找不到表单定义目录 {directory}")
    result: dict[str, FormDefinition] = {}
    for path in sorted(directory.glob("*.toml")):
        defn = load_file(path)
        result[defn.code] = defn
    if not result:
        raise DefinitionError(f"表单定义目录 {directory} 中没有任何 .toml 文件")
    for defn in result.values():
        for code in defn.companion_of:
            if code not in result:
                raise DefinitionError(f"companion_of 中的表单“{code}”不存在", path=defn.source, where="companion_of")
    return result


def load_definitions(directory: Path | None = None) -> dict[str, FormDefinition]:
    """All definitions by code; the default directory (jydesk.paths.forms_dir()) is cached."""
    global _cache
    if directory is not None:
        return load_directory(Path(directory))
    with _lock:
        if _cache is None:
            _cache = load_directory(forms_dir())
        return dict(_cache)


def get_definition(code: str, version: int | None = None) -> FormDefinition:
    """The definition of form ``code`` from the default directory: the current one, or the
    ``version`` a case was filled with (kept in forms/history). UnknownFormError if none."""
    definitions = load_definitions()
    try:
        current = definitions[code]
    except KeyError:
        known = "、".join(f"{c}（{d.title}）" for c, d in definitions.items())
        raise UnknownFormError(f"没有编码为“{code}”的表单（可用：{known}）") from None
    if version is None or version == current.version:
        return current
    with _lock:
        old = _old.get((code, version))
    if old is None:
        path = forms_dir() / HISTORY_DIR / f"{code}.v{version}.toml"
        if version > current.version or not path.is_file():
            raise UnknownFormError(f"“{current.title}”没有第{version}版定义（当前为第{current.version}版）")
        old = load_file(path)
        with _lock:
            _old[(code, version)] = old
    return old


def form_versions(code: str) -> list[int]:
    """Every version of form ``code`` that can be loaded, oldest first."""
    current = get_definition(code)
    found = {current.version}
    for path in (forms_dir() / HISTORY_DIR).glob(f"{code}.v*.toml"):
        tail = path.stem.partition(".v")[2]
        if path.stem.partition(".v")[0] == code and tail.isdigit() and int(tail) < current.version:
            found.add(int(tail))
    return sorted(found)


def clear_cache() -> None:
    """Forget the cached default definitions (after editing forms/ in a running process)."""
    global _cache
    with _lock:
        _cache = None
        _old.clear()
