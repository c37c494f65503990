"""Domain errors raised by services and turned into 4xx answers by the views."""

from __future__ import annotations

from consult.i18n import LazyString


class DomainError(Exception):
    """Base of every error a user can cause and can fix."""

    status_code = 400

    def __init__(self, message: LazyString | str) -> None:
        self.message = message
        super().__init__(str(message))


class ValidationError(DomainError):
    """Input that breaks a rule; `errors` maps a form field to what is wrong with it."""

    status_code = 422

    def __init__(self, errors: dict[str, LazyString | str]) -> None:
        self.errors = errors
        first = next(iter(errors.values()))
        super().__init__(first)


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409
