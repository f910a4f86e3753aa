"""Typed domain errors; the HTTP layer maps each to one status code, once.

Messages must never contain PHI: they name fields and rules, not values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One failing input field: where it is and why it was refused."""

    field: str
    message: str


class ClinicFlowError(Exception):
    """Base of every error the API reports to a caller."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def body(self) -> dict[str, Any]:
        """The JSON body answered to the caller."""
        return {"error": self.code, "message": self.message, **self.details}


class ValidationError(ClinicFlowError):
    """Input is well-formed JSON but breaks a business rule."""

    status_code = 422
    code = "validation_error"

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors = errors if isinstance(errors, list) else [errors]
        super().__init__(
            "; ".join(f"{e.field}: {e.message}" for e in self.errors),
            details={"fields": [{"field": e.field, "message": e.message} for e in self.errors]},
        )


class NotFoundError(ClinicFlowError):
    """The record does not exist in the caller's practice (or at all)."""

    status_code = 404
    code = "not_found"


class ConflictError(ClinicFlowError):
    """The request conflicts with what is stored (duplicate, stale version, taken slot)."""

    status_code = 409
    code = "conflict"


class ForbiddenError(ClinicFlowError):
    """The caller's role does not allow this action."""

    status_code = 403
    code = "forbidden"


class UnauthorizedError(ClinicFlowError):
    """The request carries no usable identity."""

    status_code = 401
    code = "unauthorized"


@dataclass
class Problems:
    """Collects field errors so a request reports every failing field at once."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        """Record one failing field."""
        self.errors.append(FieldError(field_name, message))

    def raise_if_any(self) -> None:
        """Raise a ValidationError naming every recorded field."""
        if self.errors:
            raise ValidationError(self.errors)
