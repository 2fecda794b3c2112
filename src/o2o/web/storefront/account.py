"""The customer's own things: orders with their timeline, vouchers with their QR,
refund requests and reviews. Reads go through the apps' selectors, scoped to the
signed-in customer; writes through orders, shipping, vouchers and reviews services.
Someone else's ids answer 404, as in the API; refused writes show the service's message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.core import clock
from o2o.core.errors import DomainError, NotFound
from o2o.orders import selectors as orders_read
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderKind, OrderStatus
from o2o.payments import selectors as payments_read
from o2o.reviews import selectors as reviews_read
from o2o.reviews import services as reviews
from o2o.shipping import selectors as shipping_read
from o2o.shipping import services as shipping
from o2o.vouchers import offline as voucher_qr_payload
from o2o.vouchers import qr
from o2o.vouchers import selectors as vouchers_read
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import USABLE, VoucherStatus
from o2o.web.storefront.common import (
    ORDER_STATUS,
    PARCEL_STATUS,
    VOUCHER_STATUS,
    event_label,
    refuse,
)

QR_SCALE = 4  # px per module: the signed payload is a ~77-module code, ~340 px with its border
LINES = "line_list"  # where the order templates find an order's lines


def own_order(user, order_id: str) -> Order:
    try:
        return orders_read.customer_order(user, order_id, lines_attr=LINES)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    group = (request.GET.get("group") or "")[:32]
    qs = orders_read.customer_orders(request.user, checkout_group=group or None, lines_attr=LINES)
    return render(request, "web/storefront/orders.html", {
        "orders": list(qs[:50]), "labels": ORDER_STATUS, "group": group,
    })


def _paying(order: Order) -> bool:
    """A payment was started and the gateway's word is awaited: the page polls."""
    return order.status == OrderStatus.PENDING_PAYMENT and payments_read.awaiting_gateway(order)


@login_required
def order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    order = own_order(request.user, order_id)
    events = [{"at": e.created_at, "label": event_label(e.event_type), "payload": e.payload}
              for e in shipping.timeline(order)]
    parcels = shipping_read.order_tracking(order)
    for p in parcels:
        p.label = PARCEL_STATUS.get(p.status, p.status)
        p.event_list = list(p.events.all())  # newest first
        for e in p.event_list:
            e.label = PARCEL_STATUS.get(e.status, e.status)
    reviewed = reviews_read.reviewed_lines(order)
    can_review = order.kind == OrderKind.GOODS and order.status == OrderStatus.COMPLETED
    return render(request, "web/storefront/order.html", {
        "order": order, "status_label": ORDER_STATUS.get(order.status, order.status), "events": events,
        "parcels": parcels, "vouchers": vouchers_read.order_vouchers(order),
        "voucher_labels": VOUCHER_STATUS, "paying": _paying(order), "reviewed": reviewed,
        "can_review": can_review, "zone": order.pickup_store.time_zone if order.pickup_store else None,
        "can_cancel": orders.cancellable(order), "refund_on_cancel": order.status != OrderStatus.PENDING_PAYMENT,
    })


@login_required
def order_status(request: HttpRequest, order_id: str) -> HttpResponse:
    """Polled every 2 s while a payment is awaited: once paid, htmx reloads the page."""
    order = own_order(request.user, order_id)
    response = render(request, "web/storefront/_order_status.html", {
        "order": order, "status_label": ORDER_STATUS.get(order.status, order.status), "paying": _paying(order),
    })
    if order.status != OrderStatus.PENDING_PAYMENT:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: str) -> HttpResponse:
    """The same cancel as the API: unpaid orders close, paid goods orders that have not
    left are refunded in full and restocked (orders.cancel_order decides)."""
    order = own_order(request.user, order_id)
    back = reverse("web:order", kwargs={"order_id": order.public_id})
    was_paid = order.status != OrderStatus.PENDING_PAYMENT
    try:
        orders.cancel_order(request.user, order.public_id)
    except DomainError as exc:
        return refuse(request, exc, back)
    messages.success(request, _("The order is cancelled. The full amount goes back to where you paid from.")
                     if was_paid else _("The order is cancelled."))
    return redirect(back)


@login_required
@require_POST
def order_confirm(request: HttpRequest, order_id: str) -> HttpResponse:
    order = own_order(request.user, order_id)
    back = reverse("web:order", kwargs={"order_id": order.public_id})
    try:
        shipping.confirm(request.user, order.public_id)
    except DomainError as exc:
        return refuse(request, exc, back)
    messages.success(request, _("Thank you. The order is complete."))
    return redirect(back)


def _own_voucher(user, voucher_id: str):
    try:
        return vouchers_read.customer_voucher(user, voucher_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _refundable(v) -> bool:
    return (v.product.refund_anytime and v.status in USABLE and v.uses_left > 0
            and clock.now() < v.valid_until)


@login_required
def voucher_list(request: HttpRequest) -> HttpResponse:
    qs = vouchers_read.customer_vouchers(request.user).select_related("product").order_by("-id")
    return render(request, "web/storefront/vouchers.html", {"vouchers": list(qs[:100]), "labels": VOUCHER_STATUS})


def _voucher_ctx(user, voucher_id: str) -> dict:
    v = _own_voucher(user, voucher_id)
    v.product  # noqa: B018 - loaded for the refund policy
    stores = vouchers_read.voucher_stores(v)
    zone = (v.slot.store.time_zone if v.slot_id else (stores[0].time_zone if stores else "Asia/Shanghai"))
    svg = qr.svg(voucher_qr_payload.signed_payload(v), scale=QR_SCALE).decode()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration: the SVG sits inside HTML
    used = v.status in (VoucherStatus.PARTIALLY_USED, VoucherStatus.USED)
    return {
        "voucher": v, "stores": stores, "zone": zone, "qr": mark_safe(svg),  # noqa: S308 - segno's own SVG
        "label": VOUCHER_STATUS.get(v.status, v.status), "usable": v.status in USABLE,
        "refundable": _refundable(v),
        "can_review": used and not reviews_read.line_reviewed(v.order_line_id),
    }


@login_required
def voucher_detail(request: HttpRequest, voucher_id: str) -> HttpResponse:
    return render(request, "web/storefront/voucher.html", _voucher_ctx(request.user, voucher_id))


@login_required
def voucher_refund(request: HttpRequest, voucher_id: str) -> HttpResponse:
    """A confirm step first (GET), then the request (POST)."""
    ctx = _voucher_ctx(request.user, voucher_id)
    v = ctx["voucher"]
    back = reverse("web:voucher", kwargs={"voucher_id": v.public_id})
    if request.method != "POST":
        if not ctx["refundable"]:
            messages.error(request, _("This voucher cannot be refunded."))
            return redirect(back)
        ctx["amount_fen"] = vouchers.refund_amount_fen(v.price_fen, v.uses_total, v.uses_left)
        return render(request, "web/storefront/refund.html", ctx)
    try:
        vouchers.request_refund(request.user, v.public_id, (request.POST.get("reason") or "")[:200])
    except DomainError as exc:
        return refuse(request, exc, back)
    messages.success(request, _("Refund requested. The money goes back to where you paid from."))
    return redirect(back)


@login_required
def review_new(request: HttpRequest) -> HttpResponse:
    line_id = (request.GET.get("line") or request.POST.get("line") or "")[:40]
    try:
        line = orders_read.customer_order_line(request.user, line_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = {"rating": request.POST.get("rating", "5"), "text": request.POST.get("text", "")}
    if request.method == "POST":
        try:
            rating = int(form["rating"])
        except ValueError:
            rating = 0
        try:
            reviews.create_review(request.user, line.public_id, rating, form["text"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you for your review."))
            return redirect("web:product", product_id=line.product.public_id)
    return render(request, "web/storefront/review_new.html", {"line": line, "form": form,
                                                               "ratings": [5, 4, 3, 2, 1]})
