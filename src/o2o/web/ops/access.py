"""Who may open the operator pages, and how a service's refusal is shown on them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from o2o.accounts.models import Role
from o2o.core.errors import DomainError


def operator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-out visitors go to the sign-in page; anyone signed in who is not a
    platform operator gets 403 (the same rule as the API's require_operator)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role != Role.OPERATOR:
            raise Forbidden("operators only")
        return view(request, *args, **kwargs)

    return wrapped


# The services' refusals, in words an operator reads in either language.
REFUSALS = {
    "illegal_transition": _("This is not possible in the current state; someone may have acted on it already."),
    "reason_required": _("A reason is required."),
    "note_required": _("A note is required."),
    "invalid_note": _("A note of 1 to 200 characters is required."),
    "invalid_decision": _("Choose approve or reject."),
    "already_resolved": _("This has already been resolved."),
    "nothing_to_refund": _("Nothing was received: dismiss it instead."),
    "note_too_long": _("The note is too long."),
    "bill_date_in_future": _("There is no bill for a day that has not begun."),
    "bill_date_too_old": _("That day is too long ago."),
    "gateway_error": _("The gateway's bill could not be fetched."),
    "bill_malformed": _("The gateway's bill could not be read."),
    "not_refundable": _("The order has no payment to refund."),
}


def refusal(request: HttpRequest, exc: DomainError) -> None:
    """Show a service's refusal as a message on the next page."""
    text = REFUSALS.get(exc.code)
    messages.error(request, text if text is not None else exc.message)
