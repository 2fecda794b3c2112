"""Who may open the merchant pages (console and counter): signed-in merchant staff.

Anonymous visitors go to the sign-in page; signed-in users without a merchant role get 403.
Domain errors raised by services inside a view become a 404/403 page or a message."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden

from o2o.core.errors import DomainError, NotFound, PermissionDenied
from o2o.merchants.access import membership, merchant_of
from o2o.merchants.models import StaffRole


def merchant_page(view=None, *, owner_only: bool = False):
    """Decorator: sets request.merchant and request.is_owner, or refuses."""

    def deco(fn):
        @wraps(fn)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                request.merchant = merchant_of(request.user, owner_only=owner_only)
            except PermissionDenied:
                return HttpResponseForbidden()
            request.is_owner = membership(request.user).role == StaffRole.OWNER
            try:
                return fn(request, *args, **kwargs)
            except NotFound as exc:
                # Another merchant's id or a malformed one: reveal nothing.
                raise Http404(exc.message) from exc
            except PermissionDenied:
                return HttpResponseForbidden()

        return wrapper

    return deco(view) if view is not None else deco


__all__ = ["merchant_page", "DomainError"]
