"""Validation errors that carry the field concerned and a Chinese message for the clerk."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field: ``field`` is the machine name, ``message`` is Chinese."""

    field: str
    message: str
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationError(ValueError):
    """Raised when input is refused; holds every :class:`FieldError` found."""

    def __init__(self, errors: list[FieldError] | FieldError, *, record: str | None = None) -> None:
        self.errors: list[FieldError] = [errors] if isinstance(errors, FieldError) else list(errors)
        self.record = record
        super().__init__("；".join(e.message for e in self.errors))

    @property
    def message(self) -> str:
        """All messages joined, for a one-line display."""
        return str(self)
