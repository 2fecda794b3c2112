"""Merchant console, part two: orders to ship (parcel entry), after-sales requests,
redemption history, settlements and payouts, API tokens (staff: views_staff).
Webhook settings are not here: there is no webhooks app yet."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.accounts import services as accounts
from o2o.core.errors import DomainError
from o2o.ledger import selectors as ledger
from o2o.orders import selectors as orders_selectors
from o2o.orders.models import OrderKind, OrderStatus
from o2o.shipping import carriers
from o2o.shipping import selectors as shipping_selectors
from o2o.shipping import services as shipping
from o2o.shipping.models import AfterSaleStatus
from o2o.vouchers import selectors as vouchers
from o2o.web.console.access import merchant_page
from o2o.web.console.common import done, fail, my_stores, parse_day

SHOWN_STATUSES = ("paid", "shipped", "delivered", "completed")


# --- orders and parcels ------------------------------------------------------------------

@merchant_page
def orders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", orders_selectors.TO_SHIP)
    qs = orders_selectors.merchant_orders(request.merchant, status)
    return render(request, "web/console/orders.html", {"orders": qs[:100], "status": status,
                                                        "statuses": OrderStatus.choices})


@merchant_page
def order(request: HttpRequest, order_id: str) -> HttpResponse:
    item = orders_selectors.merchant_order(request.merchant, order_id)
    return render(request, "web/console/order.html", {
        "order": item, "can_ship": item.kind == OrderKind.GOODS and item.status == OrderStatus.PAID
        and not item.pickup_store_id, "carriers": carriers.codes(),
        "receiver_phone": orders_selectors.receiver_phone_for_merchant(item)})


@merchant_page
@require_POST
def order_ship(request: HttpRequest, order_id: str) -> HttpResponse:
    item = orders_selectors.merchant_order(request.merchant, order_id)
    try:
        parcel = shipping.create_parcel(request.merchant, item.public_id,
                                        carrier=request.POST.get("carrier") or "sandbox",
                                        tracking_number=(request.POST.get("tracking_number") or "").strip() or None)
        done(request, _("Shipped with tracking number %(no)s.") % {"no": parcel.tracking_number})
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_order", item.public_id)


# --- after-sales ---------------------------------------------------------------------------

@merchant_page
def after_sales(request: HttpRequest) -> HttpResponse:
    qs = shipping_selectors.merchant_after_sales(request.merchant, detailed=False).order_by("-created_at")
    return render(request, "web/console/after_sales.html", {
        "open": qs.filter(status__in=(AfterSaleStatus.REQUESTED, AfterSaleStatus.RETURN_SHIPPED)),
        "done": qs.exclude(status__in=(AfterSaleStatus.REQUESTED, AfterSaleStatus.RETURN_SHIPPED))[:50]})


@merchant_page(owner_only=True)
@require_POST
def after_sale_decide(request: HttpRequest, ret_id: str) -> HttpResponse:
    shipping_selectors.merchant_after_sale(request.merchant, ret_id, detailed=False)  # 404 unless theirs
    decision, note = request.POST.get("decision"), (request.POST.get("reason") or "").strip()
    try:
        if decision == "approve":
            shipping.approve(request.merchant, ret_id, note)
            done(request, _("Approved."))
        elif decision == "reject":
            shipping.reject(request.merchant, ret_id, note)
            done(request, _("Rejected."))
        elif decision == "receive":
            shipping.receive_return(request.merchant, ret_id)
            done(request, _("Return received; the refund follows."))
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_after_sales")


# --- redemption history ------------------------------------------------------------------

@merchant_page
def redemptions(request: HttpRequest) -> HttpResponse:
    stores = list(my_stores(request))
    store_id = request.GET.get("store") or None
    if store_id and store_id not in {s.public_id for s in stores}:
        store_id = None
    raw_day = request.GET.get("day")
    day = parse_day(raw_day, None) if raw_day else None
    qs = vouchers.merchant_redemptions(request.user, store_public_id=store_id, day=day).order_by("-created_at")
    return render(request, "web/console/redemptions.html", {
        "redemptions": qs[:200], "stores": stores, "store_id": store_id or "", "day": day})


# --- money -----------------------------------------------------------------------------------

@merchant_page(owner_only=True)
def money(request: HttpRequest) -> HttpResponse:
    return render(request, "web/console/money.html", {
        "balance": ledger.merchant_balance(request.merchant),
        "statements": ledger.merchant_statements(request.merchant).order_by("-created_at")[:50],
        "payouts": ledger.merchant_payouts(request.merchant).order_by("-pk")[:50]})


# --- API tokens --------------------------------------------------------------------------------

@merchant_page
def tokens(request: HttpRequest) -> HttpResponse:
    # The secret is shown once, right after creation, then dropped from the session.
    secret = request.session.pop("console_new_token", None)
    return render(request, "web/console/tokens.html", {
        "tokens": accounts.list_tokens(request.user).order_by("-created_at"), "secret": secret})


@merchant_page
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    try:
        _token, secret = accounts.create_token(request.user, request.POST.get("name", ""))
        request.session["console_new_token"] = secret
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_tokens")


@merchant_page
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    token = accounts.revoke_token(request.user, token_id)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("web:console_tokens")
