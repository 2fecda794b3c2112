"""Cart and payment pages: the same orders and payments services as the API (checkout is
in storefront.checkout)."""

from __future__ import annotations

from collections import OrderedDict
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.core.errors import DomainError, ValidationFailed
from o2o.orders import services as orders
from o2o.orders.services.checkout import MAX_QUANTITY
from o2o.payments import services as payments
from o2o.web.storefront.account import own_order
from o2o.web.storefront.common import local_path, login_url, refuse


def _quantity(raw) -> int:
    try:
        n = int(str(raw).strip())
    except (TypeError, ValueError):
        n = 0
    if not 1 <= n <= MAX_QUANTITY:
        raise ValidationFailed(_("Quantity must be a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY},
                               "invalid_quantity")
    return n


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    back = local_path(request, request.POST.get("back"), reverse("web:home"))
    if not request.user.is_authenticated:
        return redirect(login_url(back))
    try:
        qty = _quantity(request.POST.get("quantity", "1"))
        orders.add_line(request.user, request.POST.get("sku", ""), qty, request.POST.get("slot") or None)
    except DomainError as exc:
        return refuse(request, exc, back)
    messages.success(request, _("Added to your cart."))
    return redirect("web:cart")


def _groups(lines, unit_prices: dict[tuple[int, int | None], int]) -> list[dict]:
    """Cart lines grouped by merchant, each group with its subtotal at the prices of now
    (a limited-time price where one runs)."""
    groups: OrderedDict[int, dict] = OrderedDict()
    for ln in lines:
        m = ln.sku.product.merchant
        g = groups.setdefault(m.pk, {"merchant": m, "lines": [], "subtotal_fen": 0})
        unit = unit_prices.get((ln.sku_id, ln.slot_id), ln.sku.price_fen)
        total = unit * ln.quantity
        g["lines"].append({"line": ln, "total_fen": total, "list_fen": ln.sku.price_fen * ln.quantity})
        g["subtotal_fen"] += total
    return list(groups.values())


def _priced(user) -> tuple[dict[tuple[int, int | None], int], int]:
    """The unit price of each cart line now, and what the spend offers and the best of the
    customer's coupons would take off at checkout: the pipeline checkout charges with.
    Nothing when the cart cannot be checked out as it is (checkout will say why)."""
    try:
        price = orders.quote_cart(user)
    except DomainError:
        return {}, 0
    units = {(sku.pk, slot.pk if slot else None): pl.unit_price_fen
             for po in price.orders for (sku, _it, slot), pl in zip(po.rows, po.lines, strict=True)}
    return units, price.quote.discount_fen


@login_required
def cart(request: HttpRequest) -> HttpResponse:
    lines = orders.cart_lines(request.user)
    units, offers_fen = _priced(request.user) if lines else ({}, 0)
    groups = _groups(lines, units)
    total = sum(g["subtotal_fen"] for g in groups)
    return render(request, "web/storefront/cart.html", {
        "groups": groups, "total_fen": total, "offers_fen": offers_fen, "max_quantity": MAX_QUANTITY,
    })


@login_required
@require_POST
def cart_line(request: HttpRequest, line_id: str) -> HttpResponse:
    try:
        if request.POST.get("action") == "remove":
            orders.remove_line(request.user, line_id)
        else:
            orders.update_line(request.user, line_id, quantity=_quantity(request.POST.get("quantity")))
    except DomainError as exc:
        return refuse(request, exc, reverse("web:cart"))
    return redirect("web:cart")


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "127.0.0.1"


@login_required
def pay(request: HttpRequest, order_id: str) -> HttpResponse:
    """GET: what is paid and how; POST: start the payment and go to the cashier (the
    sandbox stands in for the wallet), which leads back to the order page."""
    order = own_order(request.user, order_id)
    if request.method != "POST":
        return render(request, "web/storefront/pay.html", {"order": order})
    channel = request.POST.get("channel", "h5")
    if channel not in ("h5", "native"):
        channel = "h5"
    back = reverse("web:order", kwargs={"order_id": order.public_id})
    try:
        view = payments.start_payment(request.user, order.public_id, channel, client_ip=_client_ip(request))
    except DomainError as exc:
        return refuse(request, exc, back)
    if not view.cashier_url:
        messages.error(request, _("The payment service is not available. Please try again later."))
        return redirect(back)
    joiner = "&" if "?" in view.cashier_url else "?"
    return HttpResponseRedirect(view.cashier_url + joiner
                                + urlencode({"redirect_url": request.build_absolute_uri(back)}))


