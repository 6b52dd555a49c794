"""The form definition the rest of the app uses: the plain data of
:class:`~jydesk.domain.forms.model.FormSpec` with validation, prefill and computed values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jydesk.domain.errors import FieldError
from jydesk.domain.forms import expressions, prefill, validation
from jydesk.domain.forms.model import FormSpec


class FormDefinition(FormSpec):
    """One paper form: drives data entry, validation (client and server) and printing."""

    def validate(self, values: Mapping[str, Any]) -> list[FieldError]:
        """Every problem with ``values`` as (field, Chinese message); empty when valid."""
        return validation.validate(self, values)

    def normalise(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """JSON-friendly values (ISO dates, money as "1234.50"); ValidationError if uncoercible."""
        return validation.normalise(self, values)

    def prefill(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """Values bound to the household/person records in ``context`` (normalised)."""
        return prefill.prefill(self, context)

    def computed(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Values of computed fields (sums, per-capita income, age …) derivable from ``values``."""
        return expressions.computed(self, values)

    def complete(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` normalised leniently, with computed fields filled where left blank."""
        base = validation.lenient(self, values)
        for key, value in self.computed(base).items():
            if base.get(key) in (None, "", []):
                base[key] = value
        return base
