"""Reads of orders, scoped to whoever asks: the order's customer, its merchant's staff,
or an operator. No writes. Ids outside the scope are 404 `order_not_found`, exactly
like ids that do not exist, so another tenant's ids reveal nothing."""

from __future__ import annotations

from django.db.models import QuerySet

from o2o.accounts.models import Role
from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.merchants.access import merchant_of
from o2o.merchants.models import Merchant
from o2o.orders.models import Order, OrderKind, OrderStatus

TO_SHIP = "to_ship"  # not a state: paid goods orders that wait for a parcel (not for pick-up)


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
    order = None
    if looks_like_id(order_id, "ord"):
        order = (Order.objects.select_related("customer", "pickup_store").prefetch_related("lines", "parcels")
                 .filter(merchant=merchant, public_id=order_id).first())
    if order is None:
        raise _not_found()
    return order
