"""Console pages of the offline counter (docs/offline-counter.md): the counter devices
(owner: offline caps, revoke, the uploads the server refused) and the offline conflicts
(every staff member sees them; the owner absorbs one or charges the customer).

Every write calls counter.services or counter.resolve; reads go through
counter.selectors. A refusal shows the service's message and writes nothing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.core.errors import DomainError
from o2o.counter import resolve, selectors, services
from o2o.counter.models import ConflictStatus
from o2o.vouchers.selectors import customer_name
from o2o.web.console.access import merchant_page
from o2o.web.console.common import done, fail, int_or_none


@merchant_page(owner_only=True)
def devices(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.merchant_devices(request.user)[:200])
    for d in rows:
        d.used_uses, d.used_value = services.offline_used(d)
    return render(request, "web/console/counter_devices.html", {
        "devices": rows, "refused": selectors.refused_uploads(request.user)})


@merchant_page(owner_only=True)
@require_POST
def device_caps(request: HttpRequest, device_id: str) -> HttpResponse:
    try:
        services.set_caps(request.user, device_id,
                          max_offline_uses=int_or_none(request.POST.get("max_offline_uses")),
                          max_offline_value_fen=_fen(request.POST.get("max_offline_value_yuan")))
        done(request, _("Offline limits saved."))
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_counter_devices")


def _fen(yuan: str | None) -> int | None:
    """Whole yuan typed in the form -> fen (a blank leaves the cap as it is)."""
    value = int_or_none(yuan)
    return value * 100 if value is not None else None


@merchant_page(owner_only=True)
@require_POST
def device_revoke(request: HttpRequest, device_id: str) -> HttpResponse:
    try:
        services.revoke_device(request.user, device_id)
        done(request, _("Device revoked: its uploads will be refused."))
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_counter_devices")


@merchant_page
def conflicts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ConflictStatus.OPEN
    if status not in ConflictStatus.values:
        status = ConflictStatus.OPEN
    rows = list(selectors.merchant_conflicts(request.user, status)[:200])
    for c in rows:
        c.who = customer_name(c.voucher.customer)
    return render(request, "web/console/counter_conflicts.html", {
        "conflicts": rows, "status": status, "statuses": ConflictStatus.choices})


@merchant_page(owner_only=True)
@require_POST
def conflict_resolve(request: HttpRequest, conflict_id: str, action: str) -> HttpResponse:
    try:
        if action == "charge":
            conflict = resolve.charge(request.user, conflict_id)
            done(request, _("Order %(order)s created for the customer, awaiting payment.")
                 % {"order": conflict.order.public_id})
        else:
            resolve.absorb(request.user, conflict_id)
            done(request, _("Conflict closed: the service is on the house."))
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_counter_conflicts")
