"""Coupons on the storefront: the coupon centre (领券中心), a coupon's shared link,
claiming a coupon (from a product page, the centre or a link), the customer's wallet (available / used /
expired), and the offers block of a product page (coupons to claim, spend offers,
limited-time prices). Reads go through marketing.selectors and the pricing pipeline,
claims through marketing.services.claim; a refused claim shows the service's message
(sold_out, claim_limit_reached, new_customers_only, template_paused ...) and writes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.catalog.models import Product
from o2o.core.errors import DomainError
from o2o.marketing import labels, pricing
from o2o.marketing import selectors as marketing_read
from o2o.marketing import services as marketing
from o2o.marketing.models import ClaimSource, CouponStatus, CouponTemplate
from o2o.web.storefront.common import local_path, login_url, refuse

CENTRE_SHOWN = 60


def _held(request: HttpRequest) -> set[int]:
    """Templates of which the customer holds a coupon they can still use."""
    if not request.user.is_authenticated:
        return set()
    return set(marketing_read.wallet(request.user, "available").values_list("template_id", flat=True))


def _offer_rows(templates: list[CouponTemplate], held: set[int]) -> list[dict]:
    return [{"template": t, "label": labels.coupon_label(t), "held": t.pk in held,
             "left": t.total_quantity - t.claimed} for t in templates]


def product_offers(request: HttpRequest, product: Product, skus) -> dict:
    """The offers block of a product page: coupons covering the product that can be
    claimed now, the merchant's live spend offers, and each SKU's price now (a
    limited-time price, from the same pipeline checkout uses)."""
    templates = list(marketing_read.coupon_centre(product=product.public_id)[:10])
    tiers = [labels.tier_label(t.threshold_fen, t.amount_off_fen)
             for t in marketing_read.live_tiers(product.merchant_id)]
    lines = [pricing.PricingLine(
        key=str(sku.pk), merchant_id=product.merchant_id, order_key=str(sku.pk), sku_id=sku.pk,
        product_id=product.pk, category_id=product.category_id, kind=product.kind, store_id=None,
        list_unit_price_fen=sku.price_fen, quantity=1) for sku in skus]
    # Anonymous and coupon-free: only the unit price (the limited-time price step) is read.
    now_prices = {int(pl.key): pl.unit_price_fen for pl in pricing.quote(None, lines, coupons=[]).lines} \
        if lines else {}
    for sku in skus:
        sku.now_price_fen = now_prices.get(sku.pk, sku.price_fen)
        sku.timed = sku.now_price_fen < sku.price_fen
    return {"offers": _offer_rows(templates, _held(request)), "tiers": tiers,
            "claim_back": request.get_full_path()}


def merchant_offers(request: HttpRequest, merchant) -> dict:
    """The offers block of a merchant's page: its coupons (and the platform's) that can be
    claimed now, and its live spend offers."""
    templates = list(marketing_read.coupon_centre(merchant=merchant.public_id)[:10])
    tiers = [labels.tier_label(t.threshold_fen, t.amount_off_fen) for t in marketing_read.live_tiers(merchant.pk)]
    return {"offers": _offer_rows(templates, _held(request)), "tiers": tiers, "claim_back": request.get_full_path()}


def centre(request: HttpRequest) -> HttpResponse:
    """Every coupon that can be claimed now, or one merchant's (?merchant=), or one coupon
    by its shared link (?c=<template id>: 404 when it cannot be claimed now, paused,
    stopped, sold out, over or unknown)."""
    shared = (request.GET.get("c") or "")[:40]
    merchant = (request.GET.get("merchant") or "")[:40] or None
    found = marketing_read.coupon_centre(merchant=merchant)
    if shared:
        found = found.filter(public_id=shared)
    templates = list(found[:CENTRE_SHOWN])
    return render(request, "web/storefront/coupons.html", {
        "offers": _offer_rows(templates, _held(request)), "claim_back": request.get_full_path(),
        "shared": bool(shared), "source": ClaimSource.LINK if shared else ClaimSource.COUPON_CENTRE,
    }, status=404 if shared and not templates else 200)


@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    back = local_path(request, request.POST.get("back"), reverse("web:coupons"))
    if not request.user.is_authenticated:
        return redirect(login_url(back))
    source = request.POST.get("source", ClaimSource.COUPON_CENTRE)
    if source not in (ClaimSource.PRODUCT_PAGE, ClaimSource.COUPON_CENTRE, ClaimSource.LINK):
        source = ClaimSource.LINK
    try:
        coupon = marketing.claim(request.user, request.POST.get("template", ""), source=source)
    except DomainError as exc:
        return refuse(request, exc, back)
    messages.success(request, _("Coupon claimed: %(label)s. It is applied at checkout.")
                     % {"label": labels.coupon_label(coupon.template)})
    return HttpResponseRedirect(back)


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("status", "available")
    if tab not in marketing_read.WALLET:
        tab = "available"
    order = ("valid_until", "id") if tab == "available" else ("-updated_at", "-id")
    coupons = list(marketing_read.wallet(request.user, tab).order_by(*order)[:100])
    for c in coupons:
        c.label = labels.coupon_label(c.template)
        c.held_by_order = c.status == CouponStatus.RESERVED
    return render(request, "web/storefront/wallet.html", {"coupons": coupons, "tab": tab})
