"""Merchant console, the Marketing tab (营销): the merchant's coupon templates with
claimed / used / GMV driven, their pause, resume and stop; spend tiers (满减); limited-time
SKU prices. Reads go through marketing.selectors scoped to the signed-in merchant;
writes through marketing.manage, as in the API (owners only; staff read). A refused
write shows the service's message and writes nothing; another merchant's ids answer 404
(template_not_found, tier_not_found, price_not_found)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from o2o.catalog import selectors as catalog_read
from o2o.core import clock
from o2o.core.errors import DomainError
from o2o.marketing import manage
from o2o.marketing import selectors as marketing_read
from o2o.marketing.labels import coupon_label, tier_label
from o2o.marketing.models import PromotionStatus
from o2o.merchants import selectors as merchants_read
from o2o.web.console.access import merchant_page
from o2o.web.console.common import done, fail, today, zone_of
from o2o.web.console.forms_marketing import PriceForm, TemplateForm, TierForm

ACTIONS = {"pause": gettext_lazy("Paused: no new claims; claimed coupons stay valid."),
           "resume": gettext_lazy("Resumed: customers can claim again."),
           "stop": gettext_lazy("Stopped for good; claimed coupons stay valid.")}


def _products(request: HttpRequest):
    return catalog_read.merchant_products(request.merchant).prefetch_related("skus").order_by("kind", "title")


def _forms(request: HttpRequest, **given) -> dict:
    products = list(_products(request))
    stores = merchants_read.stores_of_merchant(request.merchant).filter(is_active=True).order_by("name")
    day = today(request)
    return {
        "template_form": given.get("template_form") or TemplateForm(products=products, stores=stores),
        "tier_form": given.get("tier_form") or TierForm(initial={"starts": day}),
        "price_form": given.get("price_form") or PriceForm(products=products),
    }


def _page(request: HttpRequest, status: int = 200, **given) -> HttpResponse:
    now = clock.now()
    templates = list(marketing_read.merchant_templates(request.merchant).order_by("-id"))
    for t in templates:
        t.label = coupon_label(t)
    tiers = list(marketing_read.merchant_tiers(request.merchant).order_by("-status", "threshold_fen"))
    for tier in tiers:
        tier.label = tier_label(tier.threshold_fen, tier.amount_off_fen)
        tier.live = tier.status == PromotionStatus.ACTIVE and tier.starts_at <= now < tier.ends_at
    prices = list(marketing_read.merchant_prices(request.merchant).order_by("-starts_at"))
    for p in prices:
        p.live = p.status == PromotionStatus.ACTIVE and p.starts_at <= now < p.ends_at
    ctx = {"templates": templates, "tiers": tiers, "prices": prices, "zone": zone_of(request).key}
    if request.is_owner:
        ctx.update(_forms(request, **given))
    return render(request, "web/console/marketing.html", ctx, status=status)


@merchant_page
def marketing(request: HttpRequest) -> HttpResponse:
    return _page(request)


@merchant_page(owner_only=True)
@require_POST
def template_add(request: HttpRequest) -> HttpResponse:
    products = list(_products(request))
    stores = merchants_read.stores_of_merchant(request.merchant).filter(is_active=True).order_by("name")
    form = TemplateForm(request.POST, products=products, stores=stores)
    if form.is_valid():
        try:
            manage.create_template(request.user, form.spec(zone_of(request)), merchant=request.merchant,
                                   by_platform=False)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            done(request, _("Coupon created: customers can claim it now."))
            return redirect("web:console_marketing")
    return _page(request, status=422, template_form=form)


@merchant_page(owner_only=True)
@require_POST
def template_move(request: HttpRequest, template_id: str, action: str) -> HttpResponse:
    template = marketing_read.merchant_template(request.merchant, template_id)
    try:
        manage.move_template(template, action)
        done(request, str(ACTIONS[action]))
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_marketing")


@merchant_page(owner_only=True)
@require_POST
def tier_add(request: HttpRequest) -> HttpResponse:
    form = TierForm(request.POST)
    if form.is_valid():
        try:
            manage.create_tier(request.merchant, **form.values(zone_of(request)))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            done(request, _("Spend offer created."))
            return redirect("web:console_marketing")
    return _page(request, status=422, tier_form=form)


@merchant_page(owner_only=True)
@require_POST
def tier_stop(request: HttpRequest, tier_id: str) -> HttpResponse:
    manage.stop_tier(request.merchant, tier_id)  # NotFound -> 404 by merchant_page
    done(request, _("Spend offer stopped."))
    return redirect("web:console_marketing")


@merchant_page(owner_only=True)
@require_POST
def price_add(request: HttpRequest) -> HttpResponse:
    form = PriceForm(request.POST, products=list(_products(request)))
    if form.is_valid():
        try:
            manage.create_sku_price(request.merchant, **form.values(zone_of(request)))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            done(request, _("Limited-time price created."))
            return redirect("web:console_marketing")
    return _page(request, status=422, price_form=form)


@merchant_page(owner_only=True)
@require_POST
def price_stop(request: HttpRequest, price_id: str) -> HttpResponse:
    manage.stop_sku_price(request.merchant, price_id)
    done(request, _("Limited-time price stopped."))
    return redirect("web:console_marketing")
