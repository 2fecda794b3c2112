"""Reads of orders, scoped to whoever asks: the order's customer, its merchant's staff,
or an operator. No writes. Ids outside the scope are 404 `order_not_found` (an order
line: `order_line_not_found`), exactly like ids that do not exist, so another tenant's
ids reveal nothing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Prefetch, QuerySet, Sum

from o2o.accounts.masking import mask_phone
from o2o.accounts.models import Role
from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.merchants.access import merchant_of
from o2o.merchants.models import Merchant
from o2o.orders.models import Order, OrderKind, OrderLine, OrderStatus

TO_SHIP = "to_ship"  # not a state: paid goods orders that wait for a parcel (not for pick-up)
LINES_ATTR = "prefetched_lines"  # where orders.schemas.OrderOut looks for the lines first


def _not_found() -> NotFound:
    return NotFound("No such order", "order_not_found")


def order_for(viewer, order_id: str) -> Order:
    """The order as its customer, its merchant's staff or an operator may see it; anyone
    else (anonymous or without a merchant role) is refused by merchant_of."""
    qs = Order.objects.select_related("merchant").filter(public_id=order_id)
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in and viewer.role == Role.CUSTOMER:
        qs = qs.filter(customer=viewer)
    elif not (signed_in and viewer.role == Role.OPERATOR):
        qs = qs.filter(merchant=merchant_of(viewer))  # refuses before the id is looked at
    order = qs.first() if looks_like_id(order_id, "ord") else None
    if order is None:
        raise _not_found()
    return order


def merchant_orders(merchant: Merchant, status: str | None = None) -> QuerySet[Order]:
    """The merchant's orders with customer, pick-up store and lines, newest first.
    `status` is an order state or TO_SHIP; anything else lists every order."""
    qs = (Order.objects.filter(merchant=merchant).select_related("customer", "pickup_store")
          .prefetch_related("lines").order_by("-created_at"))
    if status == TO_SHIP:
        return qs.filter(kind=OrderKind.GOODS, status=OrderStatus.PAID, pickup_store__isnull=True)
    if status in OrderStatus.values:
        return qs.filter(status=status)
    return qs


def merchant_order(merchant: Merchant, order_id: str) -> Order:
    """One of the merchant's orders with its lines and parcels, or 404."""
    return _one_order(Order.objects.select_related("customer", "pickup_store").prefetch_related("lines", "parcels")
                      .filter(merchant=merchant), order_id)


def sales_between(merchant: Merchant, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """How many of the merchant's orders were paid in [start, end), and their net revenue
    in fen: what they paid less what has gone back of it. One query."""
    figures = (Order.objects.filter(merchant=merchant, paid_at__gte=start, paid_at__lt=end)
               .aggregate(n=Count("id"), revenue=Sum(F("paid_amount_fen") - F("refunded_fen"))))
    return figures["n"] or 0, figures["revenue"] or 0


# --- orders with their lines, as the API answers and the storefront pages show them ------

def _with_lines(qs: QuerySet[Order], lines_attr: str) -> QuerySet[Order]:
    """Merchant and pick-up store joined in; the lines (with product, SKU, slot and store)
    in a list at `lines_attr`, oldest first: two queries for any number of orders."""
    lines = OrderLine.objects.select_related("product", "sku", "slot", "store").order_by("id")
    return (qs.select_related("merchant", "pickup_store")
            .prefetch_related(Prefetch("lines", queryset=lines, to_attr=lines_attr)))


def _one_order(qs: QuerySet[Order], order_id: str) -> Order:
    order = qs.filter(public_id=order_id).first() if looks_like_id(order_id, "ord") else None
    if order is None:
        raise _not_found()
    return order


def customer_orders(customer, status: str | None = None, *, checkout_group: str | None = None,
                    lines_attr: str = LINES_ATTR) -> QuerySet[Order]:
    """The customer's own orders with their lines; by state and by checkout group."""
    qs = _with_lines(Order.objects.filter(customer=customer), lines_attr)
    if status:
        qs = qs.filter(status=status)
    if checkout_group:
        qs = qs.filter(checkout_group=checkout_group)
    return qs


def customer_order(customer, order_id: str, *, lines_attr: str = LINES_ATTR) -> Order:
    """One of the customer's own orders with its lines, or 404."""
    return _one_order(customer_orders(customer, lines_attr=lines_attr), order_id)


def merchant_order_search(merchant: Merchant, *, status: str | None = None, kind: str | None = None,
                          created_from: dt.date | None = None, created_to: dt.date | None = None,
                          store: str | None = None) -> QuerySet[Order]:
    """The merchant's orders with their lines, by state, kind, creation dates (inclusive,
    in the platform's time zone) and the public id of a store one of the lines is for."""
    qs = _with_lines(Order.objects.filter(merchant=merchant), LINES_ATTR)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if created_from:
        qs = qs.filter(created_at__date__gte=created_from)
    if created_to:
        qs = qs.filter(created_at__date__lte=created_to)
    if store:
        qs = qs.filter(lines__store__public_id=store).distinct()
    return qs


def merchant_order_with_lines(merchant: Merchant, order_id: str) -> Order:
    """One of the merchant's orders shaped like customer_order, or 404."""
    return _one_order(_with_lines(Order.objects.filter(merchant=merchant), LINES_ATTR), order_id)


def customer_order_line(customer, line_id: str) -> OrderLine:
    """A line of one of the customer's orders, with its order and product, or 404."""
    line = None
    if looks_like_id(line_id, "oln"):
        line = (OrderLine.objects.select_related("order", "product")
                .filter(order__customer=customer, public_id=line_id).first())
    if line is None:
        raise NotFound("No such order line", "order_line_not_found")
    return line


# While the goods are on their way the merchant (and the carrier's label) needs the number
# in full; before payment and after the order ended, a masked number is all anyone needs.
_RECEIVER_CONTACT = (OrderStatus.PAID, OrderStatus.READY_FOR_PICKUP, OrderStatus.SHIPPED,
                     OrderStatus.DELIVERED)


def receiver_phone_for_merchant(order: Order) -> str:
    """The receiver's phone as the merchant's console shows it."""
    phone = str((order.shipping_address or {}).get("phone") or "")
    return phone if order.status in _RECEIVER_CONTACT else mask_phone(phone)
