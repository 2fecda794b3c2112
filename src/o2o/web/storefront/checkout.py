"""The checkout page: what the cart costs after the marketing pipeline (limited-time
prices, spend offers, coupons, then shipping), the coupon picker with the saving, the
delivery choice, and placing the orders.

The page shows orders.services.quote_cart and the form posts exactly the coupons it
showed, so the orders are charged what the page said (or refused with the reason: a
coupon taken by another order in between is coupon_taken, and the page is shown again
with a fresh quote). By default the quote picks the customer's best combination of
coupons; the picker (?pick=1&coupon=...) asks for exactly the ones ticked, and a
combination the rules refuse (coupon_not_usable) shows why and falls back to the best.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from o2o.catalog.models import ProductKind
from o2o.core.errors import DomainError
from o2o.core.idempotency import run_once
from o2o.marketing import labels
from o2o.marketing import selectors as marketing_read
from o2o.merchants import selectors as merchants
from o2o.orders import services as orders
from o2o.orders.services.checkout import ADDRESS_FIELDS
from o2o.orders.services.priced import MAX_COUPONS, CheckoutPrice, order_key

# Reasons a coupon can still be ticked: it applies, but the best combination left it out.
SWAPPABLE = {"exclusive"}


def _chosen(params) -> list[str] | None:
    """None (the best combination) unless the picker was used: then exactly the ticked ones."""
    if params.get("pick") != "1":
        return None
    return list(dict.fromkeys(c for c in params.getlist("coupon") if isinstance(c, str) and c))[:MAX_COUPONS]


def _orders(price: CheckoutPrice) -> list[dict]:
    """Each order of the checkout with its lines, the discounts that landed in it and its
    saving (limited-time prices included)."""
    out = []
    for po in price.orders:
        key = order_key(po.merchant_id, po.kind)
        discounts = [{"label": d.label, "source": d.source, "amount_fen": d.by_order.get(key, 0)}
                     for d in price.quote.discounts if d.source != "price" and d.by_order.get(key)]
        lines = [{"sku": sku, "product": sku.product, "slot": slot, "quantity": it.quantity,
                  "list_fen": sku.price_fen * it.quantity, "subtotal_fen": pl.subtotal_fen,
                  "net_fen": pl.net_fen, "timed": pl.unit_price_fen < sku.price_fen}
                 for (sku, it, slot), pl in zip(po.rows, po.lines, strict=True)]
        out.append({"merchant": po.rows[0][0].product.merchant, "kind": po.kind, "lines": lines,
                    "list_subtotal_fen": po.list_subtotal_fen,
                    "timed_fen": po.list_subtotal_fen - po.subtotal_fen, "discounts": discounts,
                    "shipping_fen": po.shipping_fee_fen, "total_fen": po.total_fen,
                    "has_goods": po.kind == ProductKind.GOODS,
                    "saving_fen": po.list_subtotal_fen - po.subtotal_fen + po.discount_fen})
    return out


def _picker(user, price: CheckoutPrice) -> list[dict]:
    """Every coupon the quote looked at: applied ones ticked, the others with why not."""
    q = price.quote
    why = {u.coupon: u for u in q.unusable}
    ids = [*q.coupons, *why]
    found = {c.public_id: c for c in marketing_read.wallet(user).filter(public_id__in=ids)}
    rows = []
    for public_id in ids:
        coupon = found.get(public_id)
        if coupon is None:
            continue
        reason = why.get(public_id)
        rows.append({"coupon": coupon, "label": labels.coupon_label(coupon.template),
                     "applied": public_id in q.coupons, "reason": reason.message if reason else "",
                     "selectable": reason is None or reason.code in SWAPPABLE})
    rows.sort(key=lambda r: (not r["applied"], not r["selectable"]))
    return rows


def _place(request: HttpRequest) -> HttpResponse | None:
    """POST: place the orders with exactly the coupons the page showed. None: refused
    (the message is queued and the page is shown again)."""
    user = request.user
    address = {k: (request.POST.get(k) or "").strip() for k in ADDRESS_FIELDS}
    delivery = "pickup" if request.POST.get("delivery") == "pickup" else "ship"
    coupons = _chosen(request.POST)
    # The payload depends on the form only, so a second submit of the same form (same
    # form_key) replays the first answer even though the cart is empty by then.
    key = (request.POST.get("form_key") or "")[:128]
    data = {"delivery": delivery, "address": address if delivery == "ship" else None,
            "pickup_store": (request.POST.get("pickup_store") or None) if delivery == "pickup" else None,
            "coupons": coupons}

    def work():
        placed = orders.checkout(user, shipping_address=data["address"], note="",
                                 pickup_store=data["pickup_store"], coupons=data["coupons"])
        return 201, {"group": placed[0].checkout_group, "orders": [o.public_id for o in placed]}

    try:
        _status, body = run_once("orders.checkout", user.pk, key or None, data, work)
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
    if len(body["orders"]) == 1:
        return redirect("web:pay", order_id=body["orders"][0])
    messages.success(request, _("Your orders are placed. Pay each of them below."))
    return HttpResponseRedirect(f"{reverse('web:orders')}?{urlencode({'group': body['group']})}")


@login_required
def checkout(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        placed = _place(request)
        if placed is not None:
            return placed
    if not orders.cart_lines(user):
        messages.info(request, _("Your cart is empty."))
        return redirect("web:cart")
    chosen = _chosen(request.GET) if request.method == "GET" else None
    try:
        price = orders.quote_cart(user, coupons=chosen)
    except DomainError as exc:
        if chosen is None:
            messages.error(request, exc.message)
            return redirect("web:cart")
        # The ticked coupons do not go together (or one no longer applies): say why and
        # show the best combination instead.
        messages.error(request, exc.message)
        chosen = None
        price = orders.quote_cart(user, coupons=None)
    groups = _orders(price)
    has_goods = any(g["has_goods"] for g in groups)
    pickup_ids = sorted({g["merchant"].pk for g in groups if g["has_goods"]})
    address = {k: (request.POST.get(k) or "").strip() for k in ADDRESS_FIELDS}
    return render(request, "web/storefront/checkout.html", {
        "groups": groups, "total_fen": price.total_fen, "has_goods": has_goods,
        "pickup_stores": merchants.pickup_stores(pickup_ids), "address": address,
        "delivery": "pickup" if request.POST.get("delivery") == "pickup" else "ship",
        "form_key": uuid.uuid4().hex, "picker": _picker(user, price), "applied": list(price.quote.coupons),
        "saving_fen": sum(g["saving_fen"] for g in groups), "picked": chosen is not None,
    })
