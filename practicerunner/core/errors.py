"""Typed domain errors with a code and a field, translated at the edge (state or api)."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain said no; `field` names the form field it belongs beside."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """One or more fields are invalid; `errors` maps field name to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        first = next(iter(self.errors.items()), ("", "invalid input"))
        super().__init__("invalid", first[1], first[0] or None)


class NotFound(DomainError):
    """The record does not exist, or is outside the actor's scope: the reply is the same."""

    def __init__(self, what: str = "record") -> None:
        super().__init__("not_found", f"That {what} was not found.")


class PermissionDenied(DomainError):
    """The actor's roles do not allow the operation at all."""

    def __init__(self, message: str = "You do not have permission to do that.") -> None:
        super().__init__("forbidden", message)


class Conflict(DomainError):
    """The operation collides with existing data (a duplicate, a stale edit)."""
