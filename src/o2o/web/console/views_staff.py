"""Staff pages: the owner's staff page in the console (invite, show the code and link
once, revoke, create a work account, remove a member) and the page where a signed-in
person accepts an invitation (/join/).

Every write calls merchants.services; refusals are shown in words from REASONS.
The invitation code is kept in the session only until the next page shows it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from o2o.core import clock
from o2o.core.errors import DomainError
from o2o.merchants import selectors as merchant_selectors
from o2o.merchants import services as merchants
from o2o.merchants.models import InvitationState
from o2o.web.console.access import merchant_page
from o2o.web.console.common import done, int_or_none, my_stores

SESSION_KEY = "console_new_invitation"
EXPIRY_DAYS = (1, 3, 7, 14, 30)

# Refusals in plain words; anything else shows the service's own message.
REASONS = {
    "invitation_not_found": gettext_lazy("No invitation has this code. Check it and try again."),
    "invitation_used": gettext_lazy("This invitation was already used."),
    "invitation_revoked": gettext_lazy("This invitation was withdrawn by the merchant."),
    "invitation_expired": gettext_lazy("This invitation has expired. Ask for a new one."),
    "already_member": gettext_lazy("This account already works for a merchant."),
    "customer_role_required": gettext_lazy("This account cannot work for a merchant."),
    "username_taken": gettext_lazy("This username is taken. Choose another one."),
    "password_required": gettext_lazy("Enter a password for the new account."),
    "weak_password": gettext_lazy("This password is too weak."),
    "invalid_username": gettext_lazy("Enter a username."),
    "store_not_found": gettext_lazy("Pick stores of this merchant."),
    "cannot_remove_owner": gettext_lazy("The owner cannot be removed."),
}


_STATE_REASON = {InvitationState.ACCEPTED: "invitation_used", InvitationState.REVOKED: "invitation_revoked",
                 InvitationState.EXPIRED: "invitation_expired"}


def reason(exc: DomainError) -> str:
    known = REASONS.get(exc.code)
    return str(known) if known is not None else _(exc.message)


def _not_done(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, _("Not done: %(reason)s") % {"reason": reason(exc)})


def _join_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(f"{reverse('web:staff_join')}?{urlencode({'code': code})}")


# --- the owner's staff page -------------------------------------------------------------

@merchant_page(owner_only=True)
@never_cache
def staff(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    invitations = list(merchant_selectors.invitations_of_merchant(request.merchant)[:50])
    for invitation in invitations:
        invitation.state = invitation.state_at(now)
    response = render(request, "web/console/staff.html", {
        "members": merchant_selectors.staff_of_merchant(request.merchant).order_by("role", "pk"),
        "invitations": invitations, "stores": my_stores(request), "expiry_days": EXPIRY_DAYS,
        # Shown once: popped, so a reload no longer has it.
        "new_invitation": request.session.pop(SESSION_KEY, None)})
    response["Referrer-Policy"] = "same-origin"  # the code is on this page: never to other sites
    return response


@merchant_page(owner_only=True)
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    days = int_or_none(request.POST.get("days"))
    try:
        invitation, code = merchants.create_invitation(
            request.merchant, request.user, stores=request.POST.getlist("stores"),
            label=request.POST.get("label", ""),
            expires_in_hours=days * 24 if days in EXPIRY_DAYS else None)
    except DomainError as exc:
        _not_done(request, exc)
    else:
        request.session[SESSION_KEY] = {"id": invitation.public_id, "code": code,
                                        "url": _join_url(request, code)}
    return redirect("web:console_staff")


@merchant_page(owner_only=True)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: str) -> HttpResponse:
    try:
        merchants.revoke_invitation(request.merchant, invitation_id)
        done(request, _("The invitation was withdrawn."))
    except DomainError as exc:
        if exc.status == 404:
            raise
        _not_done(request, exc)
    return redirect("web:console_staff")


@merchant_page(owner_only=True)
@require_POST
def staff_add(request: HttpRequest) -> HttpResponse:
    try:
        member = merchants.add_staff(request.merchant, request.POST.get("username", ""),
                                     request.POST.get("password", ""),
                                     stores=request.POST.getlist("stores"),
                                     display_name=request.POST.get("display_name", ""))
        done(request, _("The account %(name)s was created.") % {"name": member.user.username})
    except DomainError as exc:
        _not_done(request, exc)
    return redirect("web:console_staff")


@merchant_page(owner_only=True)
@require_POST
def staff_remove(request: HttpRequest, staff_id: str) -> HttpResponse:
    try:
        member = merchants.deactivate_staff(request.merchant, staff_id)
        done(request, _("%(name)s no longer works here.") % {"name": member.shown_name})
    except DomainError as exc:
        if exc.status == 404:
            raise
        _not_done(request, exc)
    return redirect("web:console_staff")


# --- accepting an invitation --------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """GET shows what the code invites to and asks; only the POST accepts, so a link
    preview or a prefetch never redeems an invitation."""
    code = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path() if request.method == "GET" else
                                 f"{reverse('web:staff_join')}?{urlencode({'code': code})}")
    context: dict = {"code": code, "invitation": None, "error": None}
    status = 200
    if request.method == "POST":
        try:
            member = merchants.accept_invitation(request.user, code)
        except DomainError as exc:
            context["error"], status = reason(exc), exc.status
        else:
            done(request, _("You now work for %(merchant)s.") % {"merchant": member.merchant.name})
            return redirect("web:counter")
    elif code:
        try:
            invitation = merchant_selectors.invitation_for_code(code)
            state = invitation.state_at(clock.now())
            if state == InvitationState.PENDING:
                context["invitation"] = invitation
            else:
                context["error"] = str(REASONS[_STATE_REASON[state]])
        except DomainError as exc:
            context["error"], status = reason(exc), exc.status
    response = render(request, "web/join.html", context, status=status)
    response["Referrer-Policy"] = "same-origin"  # the code is in this address: never to other sites
    return response
