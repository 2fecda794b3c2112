"""Builders for webhook tests: a merchant's owner with an endpoint at a receiver, and
real orders whose events go through the outbox relay."""

from __future__ import annotations

from o2o.core import events
from o2o.orders import services as orders
from o2o.orders.services import Item
from o2o.webhooks import delivery, services
from o2o.webhooks.models import Endpoint
from tests import factories
from tests.orders import builders as b
from tests.webhooks.receiver import Receiver


def endpoint_at(receiver: Receiver, merchant=None, types: list[str] | None = None) -> Endpoint:
    """An endpoint of `merchant` (a new one by default) posting to `receiver`, whose secret
    the receiver learns the way a merchant does: from the one answer that shows it."""
    merchant = merchant or factories.merchant()
    endpoint, secret = services.create_endpoint(merchant.owner, receiver.url, types or ["*"])
    receiver.secret = secret
    return endpoint


def place_order(merchant):
    """A real unpaid service order of `merchant` (emits order.created)."""
    if not merchant.stores.exists():
        factories.store(merchant)
    sku = b.voucher_service(merchant, price_fen=5000)
    (order,) = orders.place_orders(factories.user(), [Item(sku.public_id, 1)])
    return order


def pay(order, txn: str = "4200000000000000000000000001"):
    return orders.record_payment(order.public_id, txn, order.total_fen)


def relay() -> None:
    while events.relay():
        pass


def deliver(**kwargs) -> delivery.Pass:
    kwargs.setdefault("concurrency", 1)
    kwargs.setdefault("max_seconds", 30)
    return delivery.deliver_due(**kwargs)
