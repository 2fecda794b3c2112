"""Operator page for marketing: the platform's coupon spend. Every template the platform
funds in whole or in part (platform coupons and co-funded merchant coupons) with its
claims, uses, the platform-funded discount on paid orders and its budget cap (claims stop
at the cap); the operator sets the cap, pauses, resumes or stops a template, and creates
a platform coupon. Reads through marketing.selectors, writes through marketing.manage
(by_platform); a refusal shows the service's message (negative_amount, budget_needs_cap,
invalid_transition ...) and writes nothing."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from o2o.core import clock
from o2o.core.errors import DomainError, NotFound
from o2o.marketing import manage
from o2o.marketing import selectors as marketing_read
from o2o.marketing.labels import coupon_label
from o2o.marketing.models import FULL_BP, CouponTemplate
from o2o.web.console.forms_marketing import BudgetForm, PlatformTemplateForm, fen
from o2o.web.ops.access import operator_only, refusal

PLATFORM_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")  # platform coupons' dates are read in Shanghai time
MOVED = {"pause": _("Paused: no new claims."), "resume": _("Resumed."), "stop": _("Stopped for good.")}


def _template(template_id: str) -> CouponTemplate:
    try:
        return marketing_read.platform_template(template_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _page(request: HttpRequest, form: PlatformTemplateForm | None = None,
          bad: tuple[str, BudgetForm] | None = None, status: int = 200) -> HttpResponse:
    rows = list(marketing_read.platform_templates().order_by("-id")[:200])
    for t in rows:
        t.label = coupon_label(t)
        t.platform_share_pct = (FULL_BP - t.merchant_share_bp) / 100
        # What the claims already out could cost the platform at most: the cap's own measure.
        t.committed_fen = t.claimed * t.face_value_fen * (FULL_BP - t.merchant_share_bp) // FULL_BP
        t.budget_form = bad[1] if bad and bad[0] == t.public_id else BudgetForm(
            auto_id=f"id_{t.public_id}_%s",
            initial={"budget_cap": None if t.budget_cap_fen is None else f"{t.budget_cap_fen / 100:.2f}"})
    return render(request, "web/ops/marketing.html", {
        "section": "marketing", "rows": rows, "spend": marketing_read.platform_spend(),
        "form": form or PlatformTemplateForm(products=[], stores=[]), "checked_at": clock.now(),
    }, status=status)


@require_GET
@operator_only
def spend(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@operator_only
def template_add(request: HttpRequest) -> HttpResponse:
    form = PlatformTemplateForm(request.POST, products=[], stores=[])
    if form.is_valid():
        spec = form.spec(PLATFORM_ZONE)
        try:
            manage.create_template(request.user, spec, merchant=None, by_platform=True)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Platform coupon created."))
            return HttpResponseRedirect(reverse("web:ops_marketing"))
    return _page(request, form=form, status=422)


@require_POST
@operator_only
def budget(request: HttpRequest, template_id: str) -> HttpResponse:
    t = _template(template_id)
    form = BudgetForm(request.POST, auto_id=f"id_{t.public_id}_%s")
    if not form.is_valid():
        return _page(request, bad=(t.public_id, form), status=422)
    try:
        manage.update_template(t, budget_cap_fen=fen(form.cleaned_data["budget_cap"]), by_platform=True)
    except DomainError as exc:
        refusal(request, exc)
    else:
        messages.success(request, _("Budget cap saved."))
    return HttpResponseRedirect(reverse("web:ops_marketing"))


@require_POST
@operator_only
def move(request: HttpRequest, template_id: str, action: str) -> HttpResponse:
    t = _template(template_id)
    try:
        manage.move_template(t, action)
    except DomainError as exc:
        refusal(request, exc)
    else:
        messages.success(request, MOVED[action])
    return HttpResponseRedirect(reverse("web:ops_marketing"))
