"""Operator page of the offline counter: every merchant's offline conflicts (a voucher
redeemed offline after it was used up or refunded), open ones first. Read-only: the
merchant resolves them. Reads through counter.selectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from o2o.counter import selectors
from o2o.counter.models import ConflictStatus
from o2o.vouchers.selectors import customer_name
from o2o.web.ops.access import operator_only


@operator_only
@require_GET
def conflicts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ConflictStatus.OPEN
    if status not in ConflictStatus.values:
        status = ConflictStatus.OPEN
    rows = list(selectors.all_conflicts(request.user, status)[:500])
    for c in rows:
        c.who = customer_name(c.voucher.customer)
    return render(request, "web/ops/counter_conflicts.html", {
        "section": "counter", "conflicts": rows, "status": status, "statuses": ConflictStatus.choices})
