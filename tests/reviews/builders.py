"""Orders that make a customer a verified buyer: a redeemed service voucher, or a goods
order delivered and confirmed; all through the real services."""

from __future__ import annotations

import itertools

from o2o.orders import services as orders
from o2o.orders.models import Order, OrderLine
from o2o.vouchers import services as vouchers
from tests import factories
from tests.orders import builders as order_builders
from tests.shipping.helpers import ship_and_deliver
from tests.vouchers import builders

_txn = itertools.count(1)


def redeemed_service(w: builders.World, **fields) -> tuple[OrderLine, object]:
    """The world's customer bought a service and used it at w.store."""
    product = builders.service(w.merchant, **fields)
    order = builders.buy(w.customer, product)
    [voucher] = builders.vouchers_of(order)
    redemption = vouchers.redeem(w.staff, w.store.public_id, voucher.code)
    return OrderLine.objects.get(order=order), redemption


def bought_service(w: builders.World) -> OrderLine:
    product = builders.service(w.merchant)
    order = builders.buy(w.customer, product)
    return OrderLine.objects.get(order=order)


def goods_order(w: builders.World, *, confirm: bool = True) -> OrderLine:
    sku = order_builders.goods(w.merchant)
    [order] = orders.place_orders(w.customer, [orders.Item(sku.public_id, 1)],
                                  shipping_address=order_builders.ADDRESS)
    order = orders.record_payment(order.public_id, f"rv-txn-{next(_txn)}", order.total_fen)
    ship_and_deliver(w.merchant, order)
    if confirm:
        orders.confirm_received(w.customer, order.public_id)
    assert Order.objects.get(pk=order.pk).status == ("completed" if confirm else "delivered")
    return OrderLine.objects.get(order=order)


__all__ = ["builders", "factories", "goods_order", "redeemed_service", "bought_service"]
