"""Prefill bindings: values taken from the household/person records so nobody types a name twice.

The context is a plain dict (built by jydesk.store.form_context on the desktop)::

    {"village": {"code", "name", "town_name"}, "household": {...household columns, "id"},
     "applicant": {...person columns, "id", "sex", "birth_date", "age"},
     "members": [{...same as applicant...}, ...], "clerk": {"name"}, "today": "YYYY-MM-DD",
     "case": {"form_code"}}

A member's ``relation_to_applicant`` is derived by jydesk.domain.relations (None when the
relations to the 户主 do not decide it); ``visit_tier`` is the person's 探访等级 name.

For a visit, ``applicant`` is the person visited. A binding is

- a path: ``applicant.name``, ``household.address``, ``today``, ``members.count``;
- alternatives: ``applicant.phone | household.phone`` (the first non-empty);
- a template: ``{village.town_name}{village.name}{household.group_no}组`` (None if every
  placeholder is empty);
- on a table: ``members`` (one row per member), its columns bound to member keys (``name``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jydesk.domain.entities import SPECS, Entity
from jydesk.domain.forms.model import FieldSpec, FieldType, FormSpec
from jydesk.domain.forms.values import CoercionError, coerce, is_empty, to_json

PERSON_DERIVED = ("id", "sex", "birth_date", "age", "relation_to_applicant", "visit_tier")
PERSON_KEYS = frozenset(SPECS[Entity.PERSON].fields) | frozenset(PERSON_DERIVED)
HOUSEHOLD_KEYS = frozenset(SPECS[Entity.HOUSEHOLD].fields) | {"id"}
ROOTS: dict[str, frozenset[str]] = {
    "village": frozenset({"code", "name", "town_name"}),
    "household": HOUSEHOLD_KEYS,
    "applicant": PERSON_KEYS,
    "clerk": frozenset({"name"}),
    "today": frozenset(),
    "members": frozenset({"count"}),
    # the case a companion form (授权书) or its 告知书 (notice) is printed for
    "case": frozenset({"form_code", "title", "status", "close_reason", "closed_on", "register_no"}),
}
LIST_ROOTS = frozenset({"members"})
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class BindingError(ValueError):
    """A binding that names no known record field (Chinese message)."""


def check_binding(binding: str, spec: FieldSpec, *, in_table: bool = False) -> None:
    """Raise BindingError unless ``binding`` can be resolved for ``spec``."""
    if in_table:
        if binding not in PERSON_KEYS:
            raise BindingError(f"表格列的预填“{binding}”不是人员字段（可用：{'、'.join(sorted(PERSON_KEYS))}）")
        return
    if spec.type is FieldType.TABLE:
        if binding not in LIST_ROOTS:
            raise BindingError(f"表格的预填应为 {'、'.join(sorted(LIST_ROOTS))}，不能是“{binding}”")
        return
    for path in _paths(binding):
        root, _, attr = path.partition(".")
        if root not in ROOTS:
            raise BindingError(f"预填“{binding}”的来源“{root}”未知（可用：{'、'.join(ROOTS)}）")
        allowed = ROOTS[root]
        if (attr or allowed) and attr not in allowed:
            raise BindingError(f"预填“{binding}”中的“{path}”不存在（{root} 可用：{'、'.join(sorted(allowed))}）")


def _paths(binding: str) -> list[str]:
    if "{" in binding:
        return [p.strip() for p in _PLACEHOLDER.findall(binding)]
    return [p.strip() for p in binding.split("|")]


def resolve(binding: str, context: Mapping[str, Any]) -> Any:
    """The raw value ``binding`` names in ``context`` (None if absent)."""
    if "{" in binding:
        parts = {p: resolve(p.strip(), context) for p in _PLACEHOLDER.findall(binding)}
        if all(is_empty(v) for v in parts.values()):
            return None
        return _PLACEHOLDER.sub(lambda m: "" if is_empty(parts[m.group(1)]) else str(parts[m.group(1)]), binding)
    if "|" in binding:
        for path in binding.split("|"):
            value = resolve(path.strip(), context)
            if not is_empty(value):
                return value
        return None
    root, _, attr = binding.partition(".")
    value = context.get(root)
    if root in LIST_ROOTS and attr == "count":
        return len(value) if isinstance(value, list) and value else None
    if not attr:
        return value
    return value.get(attr) if isinstance(value, Mapping) else None


def prefill(defn: FormSpec, context: Mapping[str, Any]) -> dict[str, Any]:
    """JSON values for every bound field found in ``context``.

    A record value that is not valid for the field (e.g. a malformed phone) is passed on
    unchanged, so validation shows it to the clerk instead of dropping it.
    """
    values: dict[str, Any] = {}
    for spec in defn.fields:
        if not spec.prefill:
            continue
        if spec.type is FieldType.TABLE:
            rows = _rows(spec, context.get(spec.prefill))
            if rows:
                values[spec.key] = rows
            continue
        value = _value(spec, resolve(spec.prefill, context))
        if value is not None:
            values[spec.key] = value
    return values


def _rows(spec: FieldSpec, members: Any) -> list[dict[str, Any]]:
    if not isinstance(members, list):
        return []
    rows = []
    for member in members:
        if not isinstance(member, Mapping):
            continue
        row = {}
        for col in spec.columns:
            if col.prefill:
                value = _value(col, member.get(col.prefill))
                if value is not None:
                    row[col.key] = value
        if row:
            rows.append(row)
    return rows


def _value(spec: FieldSpec, raw: Any) -> Any:
    if is_empty(raw):
        return None
    if spec.type is FieldType.MULTICHOICE and isinstance(raw, list | tuple | set | frozenset):
        raw = [item for item in raw if item in spec.choices or item in spec.aliases]  # keep what the form lists
    try:
        return to_json(spec, coerce(spec, raw))
    except CoercionError:
        return raw if isinstance(raw, str | int | bool) else str(raw)
