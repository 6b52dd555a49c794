"""The forms of cases: application forms, their companions (授权书) and the printable items of
saved cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jydesk.domain.errors import ValidationError
from jydesk.domain.forms import FormDefinition, get_definition, load_definitions
from jydesk.store.database import Store
from jydesk.store.form_context import case_print_item


def form_title(code: str) -> str:
    try:
        return get_definition(code).title
    except KeyError:
        return code


def case_forms() -> list[FormDefinition]:
    """Definitions of every application form (case_type), ordered by title."""
    return sorted((d for d in load_definitions().values() if d.case_type), key=lambda d: d.code)


def companion_forms(form_code: str) -> list[FormDefinition]:
    """Forms printed alongside a case of ``form_code`` (e.g. the 授权书 of a 低保 application)."""
    return [d for d in load_definitions().values() if form_code in d.companion_of]


def print_items(store: Store, case_ids: Sequence[str], *, companion: str | None = None,
                ) -> list[tuple[FormDefinition, dict[str, Any], str]]:
    """(definition, values, 编号) per existing case, in order (``companion``: that form instead)."""
    items = []
    for cid in case_ids:
        try:
            items.append(case_print_item(store, cid, companion).as_batch_item())
        except ValidationError:
            continue  # deleted meanwhile: the rest still print
    return items
