"""Chinese names of synced fields for the clerk (conflicts, rejected changes, the sync log)."""

from __future__ import annotations

from jydesk.domain.entities import DATA_PREFIX, SPECS, Entity
from jydesk.domain.field_labels import FIELD_LABELS


def field_label(name: str) -> str:
    if name.startswith(DATA_PREFIX):
        return f"表单项“{name[len(DATA_PREFIX):]}”"
    return FIELD_LABELS.get(name, name)


def entity_label(entity: str) -> str:
    try:
        return SPECS[Entity(entity)].label
    except ValueError:
        return entity


def show_value(value: object) -> str:
    """A value as the clerk reads it."""
    if value is None or value == "" or value == []:
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)
