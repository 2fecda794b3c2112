"""Request guards that hold for the whole API."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

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
                {"error": {"code": "invalid_characters",
                           "message": "The request contains a NUL character, which no field accepts"}},
                status=422,
            )
        return self.get_response(request)
