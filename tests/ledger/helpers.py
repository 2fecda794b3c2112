"""Builders for ledger tests: orders paid through the payments services with a stub
gateway, vouchers redeemed at a real counter, and the outbox relayed to the ledger."""

from __future__ import annotations

import itertools

from o2o.core import events
from o2o.ledger import services as ledger
from o2o.orders import services as orders
from o2o.orders.services import Item
from o2o.payments import services as payments
from o2o.payments.models import Payment, Refund
from tests.payments.stub_gateway import StubGateway, gateway  # noqa: F401  (the fixture, for importers)

_txn = itertools.count(1)


def pay(order, amount_fen: int | None = None) -> Payment:
    """The customer pays the order at the gateway; the notification is applied."""
    view = payments.start_payment(order.customer, order.public_id, "native")
    txn = f"4200{next(_txn):024d}"
    payments.apply_transaction({"out_trade_no": view.payment.out_trade_no, "trade_state": "SUCCESS",
                                "transaction_id": txn,
                                "amount": {"total": amount_fen if amount_fen is not None else order.total_fen,
                                           "currency": "CNY"}})
    return Payment.objects.get(pk=view.payment.pk)


def buy(customer, sku, quantity: int = 1, *, address: dict | None = None):
    (order,) = orders.place_orders(customer, [Item(sku.public_id, quantity)], shipping_address=address)
    pay(order)
    order.refresh_from_db()
    return order


def refund_succeeds(refund: Refund) -> Refund:
    payments.submit_refund(refund.public_id)
    return payments.settle_refund(refund.out_refund_no, "SUCCESS")


def relay() -> int:
    return ledger.relay_pending()


def drain() -> None:
    while events.relay():
        pass
