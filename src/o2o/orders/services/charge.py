"""An order the merchant raises for a service already given: one unit of a service at a
set price, pending payment (the offline counter charges a conflict this way).

Writes one Order (services, pending_payment) with one service line and its
order.created event. No capacity is taken (the service happened) and no marketing
applies (the price is what the service was worth). Error code: invalid_amount 422.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from o2o.catalog.models import ProductKind, Sku
from o2o.core import clock, events
from o2o.core.errors import ValidationFailed
from o2o.merchants.models import Store
from o2o.orders.models import Order, OrderKind, OrderLine
from o2o.orders.services.checkout import payment_window


def place_charge_order(customer, sku: Sku, store: Store, amount_fen: int, *, title: str, note: str = "") -> Order:
    """A services order of one `sku` unit at `amount_fen` for `customer`, pending payment."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 1:
        raise ValidationFailed("amount_fen must be a positive integer", "invalid_amount")
    now = clock.now()
    with transaction.atomic():
        order = Order.objects.create(
            customer=customer, merchant=store.merchant, kind=OrderKind.SERVICE, total_fen=amount_fen,
            currency=sku.currency, note=note[:200], checkout_group=f"chk_{secrets.token_hex(8)}",
            payment_deadline=now + payment_window(), created_at=now, updated_at=now)
        OrderLine.objects.create(
            order=order, product=sku.product, sku=sku, kind=ProductKind.SERVICE, title=title[:120],
            sku_name=sku.name, list_unit_price_fen=amount_fen, unit_price_fen=amount_fen, quantity=1,
            line_total_fen=amount_fen, store=store)
        events.emit("order.created", order, {
            "customer": customer.public_id, "total_fen": amount_fen, "kind": order.kind, "shipping_fee_fen": 0,
            "discount_fen": 0, "platform_subsidy_fen": 0, "pickup_store": None,
            "checkout_group": order.checkout_group, "lines": 1,
        }, merchant_id=store.merchant.public_id)
    return order
