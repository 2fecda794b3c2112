"""The customer's account page: the bound phone number, merging a second account,
downloading their data and deleting the account (o2o.identity).

Every write goes through o2o.identity.services; numbers typed for a code wait in the
session (never in a URL) until the code comes back. Refusals show the service's message.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.accounts.masking import mask_phone
from o2o.core.errors import DomainError
from o2o.identity import phones, selectors, services, sms
from o2o.web.storefront.common import refuse

_PENDING = "o2o_account_code_{}"  # session key per purpose: the number a code went to
_SENDERS = {"bind": services.request_bind_code, "merge": services.request_merge_code}


def _pending(request: HttpRequest, purpose: str) -> str:
    return request.session.get(_PENDING.format(purpose), "")


@login_required
def page(request: HttpRequest) -> HttpResponse:
    pending = {p: _pending(request, p) for p in ("bind", "merge", "delete")}
    inbox = [m for p in pending.values() if p for m in sms.sandbox_inbox(p, limit=1)]
    return render(request, "web/storefront/account.html", {
        "phone": selectors.masked_phone(request.user),
        "has_password": request.user.has_usable_password(),
        "pending": {p: mask_phone(v) for p, v in pending.items() if v},
        "sandbox_messages": inbox[:1],
    })


@login_required
@require_POST
def send_code(request: HttpRequest, purpose: str) -> HttpResponse:
    ip = request.META.get("REMOTE_ADDR", "")
    try:
        if purpose == "delete":
            services.request_delete_code(request.user, ip=ip)
            phone = services.phone_of(request.user)
        elif purpose in _SENDERS:
            phone = phones.normalise(request.POST.get("phone", ""))
            _SENDERS[purpose](request.user, phone, ip=ip)
        else:
            return redirect("web:account")
    except DomainError as exc:
        return refuse(request, exc, "/account/")
    request.session[_PENDING.format(purpose)] = phone
    return redirect("web:account")


@login_required
@require_POST
def bind(request: HttpRequest) -> HttpResponse:
    try:
        services.bind_phone(request.user, _pending(request, "bind"), request.POST.get("code", ""))
    except DomainError as exc:
        return refuse(request, exc, "/account/")
    request.session.pop(_PENDING.format("bind"), None)
    messages.success(request, _("Your phone number is bound: signing in with it reaches this account."))
    return redirect("web:account")


@login_required
@require_POST
def merge(request: HttpRequest) -> HttpResponse:
    try:
        if request.POST.get("code"):
            record = services.merge_by_phone(request.user, _pending(request, "merge"), request.POST["code"])
        else:
            record = services.merge_by_password(request.user, request.POST.get("username", ""),
                                                request.POST.get("password", ""))
    except DomainError as exc:
        return refuse(request, exc, "/account/")
    request.session.pop(_PENDING.format("merge"), None)
    moved = sum(record.moved.get(k, 0) for k in ("orders", "vouchers", "coupons"))
    messages.success(request, _("The accounts are merged: %(n)d orders, vouchers and coupons moved here.")
                     % {"n": moved})
    return redirect("web:account")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    body = json.dumps(selectors.export(request.user), ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="o2o-my-data.json"'
    return response


@login_required
@require_POST
def delete(request: HttpRequest) -> HttpResponse:
    try:
        services.delete_account(request.user, password=request.POST.get("password", ""),
                                code=request.POST.get("code", ""))
    except DomainError as exc:
        return refuse(request, exc, "/account/")
    logout(request)
    messages.success(request, _("Your account is deleted. Orders stay in the books without your name."))
    return redirect("web:home")
