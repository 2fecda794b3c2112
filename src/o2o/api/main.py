"""The open HTTP API: every app's router under /api/v1, one error format.

Writes nothing itself. Every refusal is `{"error": {"code", "message"}}` with a
message in the request's language: domain errors keep their own code; otherwise
400 invalid_json (a body that is not JSON or not UTF-8), 401 not_authenticated,
403 forbidden, 404 not_found, 413 payload_too_large, 422 validation_error /
invalid_data. Answers that never reach ninja (unknown paths, 405, 500) get the same
envelope from o2o.core.middleware.ApiErrorEnvelope.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from o2o.accounts.api import router as accounts
from o2o.api import gates, scopes
from o2o.catalog.api import router as catalog
from o2o.core.errors import INVALID_JSON, DomainError, envelope, generic
from o2o.counter.api import router as counter
from o2o.identity.api import router as identity
from o2o.inventory.api import router as inventory
from o2o.ledger.api import router as ledger
from o2o.marketing.api import router as marketing
from o2o.merchants.api import router as merchants
from o2o.orders.api import router as orders
from o2o.payments.api import router as payments
from o2o.reviews.api import router as reviews
from o2o.search.api import router as search
from o2o.shipping.api import router as shipping
from o2o.vouchers.api import router as vouchers
from o2o.webhooks.api import router as webhooks
from o2o.webhooks.openapi import add_webhooks

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="o2o API",
    version="1",
    description=(
        "The open API of o2o: merchants, stores, catalog, cart and checkout, vouchers "
        "and redemption. Authenticate with `Authorization: Bearer <token>`. Errors are "
        '`{"error": {"code": "...", "message": "..."}}` with a 4xx status.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(request: HttpRequest, status: int, code: str, message: object,
                   details=None) -> HttpResponse:
    return api.create_response(request, envelope(code, str(message), details), status=status)


def _generic(request: HttpRequest, status: int, details=None) -> HttpResponse:
    code, message = generic(status)
    return error_response(request, status, code, message, details)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    response = error_response(request, exc.status, exc.code, exc.message, exc.details or None)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    details = []
    for err in exc.errors:
        details.append({
            "loc": [str(p) for p in err.get("loc", [])],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        })
    return _generic(request, 422, details)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _generic(request, 401)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, RequestDataTooBig):
        return _generic(request, 413)
    if exc.status_code == 400 and isinstance(cause, ValueError):
        # ninja's body parser failed: not JSON, or not UTF-8 (UnicodeDecodeError).
        return error_response(request, 400, "invalid_json", INVALID_JSON)
    code, fallback = generic(exc.status_code)
    return error_response(request, exc.status_code, code, str(exc) or fallback)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _generic(request, 404)


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request, exc):
    return error_response(request, 403, "forbidden", str(exc) or generic(403)[1])


@api.exception_handler(DataError)
def _data_error(request, exc: DataError):
    # A value the database cannot store (out of range, bad encoding): the request's fault.
    # The transaction it ran in has rolled back, so nothing was half-written.
    log.warning("data error on %s: %s", request.path, exc)
    return error_response(request, 422, "invalid_data", _("A value in the request cannot be stored"))


@api.exception_handler(DjangoValidationError)
def _django_validation(request, exc: DjangoValidationError):
    return error_response(request, 422, "validation_error", "; ".join(exc.messages))


_ROUTERS = (accounts, merchants, catalog, inventory, orders, vouchers, payments, ledger,
            shipping, search, reviews, marketing, webhooks, identity, counter)
gates.apply(_ROUTERS)
scopes.apply(_ROUTERS)
for _router in _ROUTERS:
    api.add_router("/v1", _router)

# The token scope of each operation and the webhook payloads (OpenAPI 3.1 `webhooks`) join
# the generated document.
_openapi = api.get_openapi_schema
api.get_openapi_schema = lambda **kwargs: add_webhooks(scopes.document(_openapi(**kwargs)))  # type: ignore[method-assign]
