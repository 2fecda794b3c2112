"""The same payment notification arriving 20 times at once credits the order once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from o2o.core.models import OutboxEvent
from o2o.inventory.models import StockLevel
from o2o.orders import services
from o2o.orders.models import Order, PaymentRecord
from o2o.orders.services import Item
from tests import factories
from tests.orders import builders as b

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pay_concurrently(order: Order, txn: str, n: int = 20) -> list[str]:
    gate = threading.Barrier(n)

    def pay(_):
        gate.wait()
        try:
            return services.record_payment(order.public_id, txn, order.total_fen).status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(pay, range(n)))


def test_goods_payment_applied_once():
    m = factories.merchant()
    sku = b.goods(m, price_fen=3000, stock=5)
    (order,) = services.place_orders(factories.user(), [Item(sku.public_id, 2)], shipping_address=b.ADDRESS)
    statuses = _pay_concurrently(order, "wx-txn-1")
    assert statuses == ["paid"] * 20
    assert PaymentRecord.objects.filter(gateway_txn_id="wx-txn-1").count() == 1
    assert OutboxEvent.objects.filter(event_type="order.paid", aggregate_id=order.public_id).count() == 1
    level = StockLevel.objects.get(sku=sku)
    assert (level.on_hand, level.reserved) == (3, 0)  # committed once, not twenty times


def test_service_payment_issues_vouchers_once():
    from o2o.vouchers.models import Voucher

    m = factories.merchant()
    store = factories.store(m)
    card = b.voucher_service(m, uses=10)
    cut, slot = b.slot_service(m, store)
    (order,) = services.place_orders(factories.user(), [Item(card.public_id, 2),
                                                        Item(cut.public_id, 1, slot.public_id)])
    statuses = _pay_concurrently(order, "wx-txn-2")
    assert statuses == ["paid"] * 20
    assert PaymentRecord.objects.filter(gateway_txn_id="wx-txn-2").count() == 1
    assert Voucher.objects.filter(order=order).count() == 3  # one per unit
    assert Order.objects.get(pk=order.pk).status == "paid"
