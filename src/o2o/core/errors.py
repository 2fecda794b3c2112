"""Domain errors: every refusal carries a machine-readable code and an HTTP status.

Services raise these; the API turns them into {"error": {"code", "message"}}. This
module also holds that envelope and the generic codes an answer gets when no service
named one (401 not_authenticated, 403 forbidden, 404 not_found, 405
method_not_allowed, 413 payload_too_large, 422 validation_error / invalid_json /
invalid_cursor, 500 internal_error), with messages in the request's language.
Writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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


#: The code and message of an answer that no service shaped, by HTTP status.
GENERIC: dict[int, tuple[str, Promise]] = {
    400: ("bad_request", _("The request cannot be read")),
    401: ("not_authenticated", _("Authentication is required")),
    403: ("forbidden", _("You may not do this")),
    404: ("not_found", _("Not found")),
    405: ("method_not_allowed", _("This method is not allowed here")),
    413: ("payload_too_large", _("The request body is too large")),
    422: ("validation_error", _("The request is not valid")),
    429: ("throttled", _("Too many requests, retry later")),
    500: ("internal_error", _("Something went wrong on our side; retry later")),
}

INVALID_JSON = _("The body is not a JSON document")


def generic(status: int) -> tuple[str, str]:
    code, message = GENERIC.get(status, GENERIC[500] if status >= 500 else GENERIC[400])
    return code, str(message)


def envelope(code: str, message: str | Promise, details: Any = None) -> dict[str, Any]:
    """The body of every API refusal. A message that has a translation in the catalog
    (service messages are written in English) is sent in the request's language."""
    body: dict[str, Any] = {"code": code, "message": gettext(str(message))}
    if details:
        body["details"] = details
    return {"error": body}
