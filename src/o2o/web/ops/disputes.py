"""Operator pages: disputed after-sales requests, arbitrated through shipping.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from o2o.core.errors import DomainError, NotFound
from o2o.shipping import selectors
from o2o.shipping import services as shipping
from o2o.shipping.models import AfterSale, AfterSaleKind, AfterSaleStatus
from o2o.web.ops.access import operator_only, refusal
from o2o.web.ops.forms import ArbitrateForm

KIND_LABELS = {AfterSaleKind.RETURN: _("Return and refund"), AfterSaleKind.REFUND_ONLY: _("Refund only")}
STATUS_LABELS = {
    AfterSaleStatus.REQUESTED: _("Requested"), AfterSaleStatus.APPROVED: _("Approved"),
    AfterSaleStatus.REJECTED: _("Rejected by the merchant"), AfterSaleStatus.DISPUTED: _("Disputed"),
    AfterSaleStatus.RETURN_SHIPPED: _("Return shipped"), AfterSaleStatus.REFUNDED: _("Refunded"),
    AfterSaleStatus.CLOSED: _("Closed"),
}


@require_GET
@operator_only
def dispute_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.disputed(request.user)[:200]
    return render(request, "web/ops/disputes.html", {"section": "disputes", "rows": rows, "kinds": KIND_LABELS})


def _one(operator, ret_id: str) -> AfterSale:
    try:
        return selectors.dispute(operator, ret_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _detail(request: HttpRequest, ret: AfterSale, form: ArbitrateForm | None = None,
            status: int = 200) -> HttpResponse:
    return render(request, "web/ops/dispute.html", {"section": "disputes",
        "ret": ret, "order": ret.order, "lines": list(ret.lines.all()),
        "kind_label": KIND_LABELS.get(ret.kind, ret.kind),
        "status_label": STATUS_LABELS.get(ret.status, ret.status),
        "dispute_reason": selectors.dispute_reason(ret),
        "refundable_fen": shipping.refundable_for(ret),
        "form": form or ArbitrateForm(),
        "open": ret.status == AfterSaleStatus.DISPUTED,
    }, status=status)


@require_GET
@operator_only
def dispute_detail(request: HttpRequest, ret_id: str) -> HttpResponse:
    return _detail(request, _one(request.user, ret_id))


@require_POST
@operator_only
def dispute_arbitrate(request: HttpRequest, ret_id: str) -> HttpResponse:
    ret = _one(request.user, ret_id)
    form = ArbitrateForm(request.POST)
    if not form.is_valid():
        return _detail(request, ret, form, status=422)
    try:
        shipping.arbitrate(request.user, ret.public_id, form.cleaned_data["decision"], form.cleaned_data["note"])
    except DomainError as exc:
        refusal(request, exc)
        return HttpResponseRedirect(reverse("web:ops_dispute", args=[ret.public_id]))
    messages.success(request, _("The dispute is settled."))
    return HttpResponseRedirect(reverse("web:ops_disputes"))
