"""Operator pages: the overview and merchant applications (approve, reject, suspend, reinstate)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from o2o.core.errors import DomainError, NotFound
from o2o.merchants import selectors
from o2o.merchants import services as merchants
from o2o.merchants.models import Merchant, MerchantStatus
from o2o.payments import selectors as payments
from o2o.shipping import selectors as shipping
from o2o.web.ops.access import operator_only, refusal
from o2o.web.ops.forms import ReasonForm

STATUS_LABELS = {
    MerchantStatus.PENDING: _("Pending review"), MerchantStatus.ACTIVE: _("Active"),
    MerchantStatus.REJECTED: _("Rejected"), MerchantStatus.SUSPENDED: _("Suspended"),
}
EVENT_LABELS = {
    "merchant.applied": _("Applied"), "merchant.updated": _("Profile updated"),
    "merchant.approved": _("Application approved"), "merchant.rejected": _("Application rejected"),
    "merchant.suspended": _("Suspended"), "merchant.reinstated": _("Reinstated"),
    "store.created": _("Store added"), "store.updated": _("Store updated"),
    "store.deactivated": _("Store closed"), "staff.added": _("Staff added"),
}
HISTORY_LIMIT = 50


@require_GET
@operator_only
def home(request: HttpRequest) -> HttpResponse:
    """What waits for an operator, with a link to each queue."""
    operator = request.user
    return render(request, "web/ops/home.html", {"section": "home",
        "pending": selectors.operator_merchants(MerchantStatus.PENDING).count(),
        "disputes": shipping.disputed(operator).count(),
        "differences": payments.differences(operator, resolved=False).count(),
        "held": payments.open_held(operator).count(),
    })


@require_GET
@operator_only
def merchant_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or MerchantStatus.PENDING
    if status not in STATUS_LABELS:
        status = MerchantStatus.PENDING
    rows = (selectors.operator_merchants(status).prefetch_related("stores").order_by("created_at", "id")[:200])
    counts = selectors.merchant_status_counts(request.user)
    tabs = [(key, label, counts.get(key, 0)) for key, label in STATUS_LABELS.items()]
    return render(request, "web/ops/merchants.html", {"section": "merchants",
        "merchants": rows, "status": status, "status_label": STATUS_LABELS[status], "tabs": tabs,
    })


def _merchant(merchant_id: str) -> Merchant:
    try:
        return selectors.operator_merchant(merchant_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def history(operator, merchant: Merchant) -> list[dict]:
    """The merchant's recent events from the outbox, newest first, in words."""
    rows = selectors.merchant_history(operator, merchant, HISTORY_LIMIT)
    return [{"at": e.created_at, "type": e.event_type, "label": EVENT_LABELS.get(e.event_type, e.event_type),
             "reason": (e.payload or {}).get("reason", ""), "operator": (e.payload or {}).get("operator", "")}
            for e in rows]


def _detail(request: HttpRequest, merchant: Merchant, *, reject_form: ReasonForm | None = None,
            suspend_form: ReasonForm | None = None, status: int = 200) -> HttpResponse:
    return render(request, "web/ops/merchant.html", {"section": "merchants",
        "m": merchant, "status_label": STATUS_LABELS.get(merchant.status, merchant.status),
        "stores": selectors.stores_of_merchant(merchant).order_by("id"),
        "history": history(request.user, merchant),
        "reject_form": reject_form or ReasonForm(auto_id="id_reject_%s"),
        "suspend_form": suspend_form or ReasonForm(auto_id="id_suspend_%s"),
    }, status=status)


@require_GET
@operator_only
def merchant_detail(request: HttpRequest, merchant_id: str) -> HttpResponse:
    return _detail(request, _merchant(merchant_id))


DONE = {"approve": _("%(name)s is approved."), "reject": _("%(name)s is rejected."),
        "suspend": _("%(name)s is suspended."), "reinstate": _("%(name)s is reinstated.")}


@require_POST
@operator_only
def merchant_review(request: HttpRequest, merchant_id: str, action: str) -> HttpResponse:
    """approve | reject | suspend | reinstate, through merchants.services (which checks the
    transition and writes the outbox event). A reject or suspend without a reason is sent
    back with the form error and nothing changes."""
    merchant = _merchant(merchant_id)
    reason = ""
    if action in ("reject", "suspend"):
        form = ReasonForm(request.POST, auto_id=f"id_{action}_%s")
        if not form.is_valid():
            return _detail(request, merchant, status=422, **{f"{action}_form": form})
        reason = form.cleaned_data["reason"]
    try:
        if action == "approve":
            merchant = merchants.approve(request.user, merchant.public_id)
        elif action == "reject":
            merchant = merchants.reject(request.user, merchant.public_id, reason)
        elif action == "suspend":
            merchant = merchants.suspend(request.user, merchant.public_id, reason)
        else:
            merchant = merchants.reinstate(request.user, merchant.public_id)
    except DomainError as exc:
        refusal(request, exc)
    else:
        messages.success(request, str(DONE[action]) % {"name": merchant.name})
    return HttpResponseRedirect(reverse("web:ops_merchant", args=[merchant.public_id]))
