"""Domain errors: every refusal carries a machine-readable code and an HTTP status.

Services raise these; the API turns them into {"error": {"code", "message"}}.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"
    retry_after: int | None = None  # seconds; the API sends it as Retry-After

    def __init__(self, message: str, code: str | None = None, *, status: int | None = None,
                 details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details or {}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Conflict(DomainError):
    """A rule of state: illegal transition, sold out, already used..."""

    status = 409
    code = "conflict"
