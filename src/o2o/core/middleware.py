"""Request guards that hold for the whole API.

Writes nothing. Under /api/: a body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413
`payload_too_large` before anything reads it; a NUL character anywhere answers 422
`invalid_characters`; and any error answer that is not JSON yet (Django's 404 for an
unknown path, ninja's 405, the 500 page, Django's 400/403 pages) is replaced by the
JSON error envelope with the generic code of its status (`not_found`,
`method_not_allowed`, `internal_error`...). A 500 says nothing about its cause.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _

from o2o.core.errors import envelope, generic

API_PREFIX = "/api/"
#: Under API_PREFIX but pages for people (Swagger UI), left as they are.
_NOT_JSON = ("/api/docs",)
#: Headers of the original answer that still hold for the JSON one.
_KEEP_HEADERS = ("Allow", "Retry-After", "Content-Language", "Vary")


def _too_big(request: HttpRequest) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return limit is not None and length > limit


def _is_json(response: HttpResponse) -> bool:
    return "json" in str(response.get("Content-Type", "")).split(";")[0]


def error_json(status: int) -> JsonResponse:
    code, message = generic(status)
    return JsonResponse(envelope(code, message), status=status)


class ApiErrorEnvelope:
    """Every error answer under /api/ is JSON with the error envelope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if not path.startswith(API_PREFIX) or path.startswith(_NOT_JSON):
            return self.get_response(request)
        if _too_big(request):
            return error_json(413)
        response = self.get_response(request)
        if response.status_code < 400 or _is_json(response):
            return response
        replaced = error_json(response.status_code)
        for header in _KEEP_HEADERS:
            if header in response:
                replaced[header] = response[header]
        return replaced

# NUL may arrive raw, percent-encoded in the URL, or as a JSON escape. PostgreSQL text
# cannot store it, and no field of ours has a use for it: refuse it up front.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if "\x00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.method in {"POST", "PUT", "PATCH"}:
        body = request.body
        return b"\x00" in body or bool(_JSON_NUL.search(body))
    return False


class RejectNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and _has_nul(request):
            return JsonResponse(
                envelope("invalid_characters",
                         _("The request contains a NUL character, which no field accepts")),
                status=422,
            )
        return self.get_response(request)
