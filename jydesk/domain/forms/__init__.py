"""Declarative paper forms (forms/*.toml): loading, checking, validation, prefill, computed fields.

Plain Python (no store, no Qt): the city server validates with the same definitions.
"""

from jydesk.domain.forms.definition import FormDefinition
from jydesk.domain.forms.loader import (
    DefinitionError,
    UnknownFormError,
    clear_cache,
    form_versions,
    get_definition,
    load_definitions,
    load_file,
)
from jydesk.domain.forms.model import (
    FieldLayout,
    FieldSpec,
    FieldType,
    FilledBy,
    FormSpec,
    PageSpec,
    RuleKind,
    RuleSpec,
    SectionKind,
    SectionSpec,
)

__all__ = [
    "DefinitionError",
    "FieldLayout",
    "FieldSpec",
    "FieldType",
    "FilledBy",
    "FormDefinition",
    "FormSpec",
    "PageSpec",
    "RuleKind",
    "RuleSpec",
    "SectionKind",
    "SectionSpec",
    "UnknownFormError",
    "clear_cache",
    "form_versions",
    "get_definition",
    "load_definitions",
    "load_file",
]
