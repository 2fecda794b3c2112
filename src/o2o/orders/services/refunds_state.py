"""The money refunded on an order, so customers and merchants see "refunded" or
"partially refunded" beside its status and revenue figures can be net of refunds.

Writes Order.refunded_fen (event order.refund_recorded), and once an order is refunded
in full, through marketing, returns its coupons whose template returns them on refund. payments calls note_refund
inside the transaction that settles a refund as succeeded, so the figure moves with
the refund or not at all. Error code: invalid_amount (ValidationFailed 422),
order_not_found (NotFound 404).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from o2o.core import clock, events
from o2o.core.errors import NotFound, ValidationFailed
from o2o.marketing import services as marketing
from o2o.orders.models import Order, RefundState


def note_refund(order_pk: int, amount_fen: int) -> Order:
    """Add a succeeded refund of `amount_fen` to the order's refunded money."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationFailed("a refund amount is a positive number of fen", "invalid_amount")
    with transaction.atomic():
        # One UPDATE: concurrent refunds of the same order add up, none is lost.
        if not Order.objects.filter(pk=order_pk).update(
                refunded_fen=F("refunded_fen") + amount_fen, updated_at=clock.now()):
            raise NotFound("No such order", "order_not_found")
        order = Order.objects.select_related("merchant").get(pk=order_pk)
        events.emit("order.refund_recorded", order, {
            "amount_fen": amount_fen, "refunded_fen": order.refunded_fen,
            "refund_state": order.refund_state}, merchant_id=order.merchant.public_id)
        if order.refund_state == RefundState.FULL:
            # A used coupon stays used on refund unless its template says it comes back.
            marketing.coupons_refunded(order.pk)
    return order
