"""Real concurrent buyers on PostgreSQL: no overselling of stock, seats or quotas."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from o2o.accounts.models import User
from o2o.core.errors import Conflict
from o2o.inventory.models import Reservation, Slot, StockLevel, VoucherQuota
from o2o.orders import services
from o2o.orders.models import Order
from o2o.orders.services import Item
from tests import factories
from tests.orders import builders as b

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _customers(n: int) -> list[User]:
    return User.objects.bulk_create([User(username=f"buyer-{i}-{id(object())}") for i in range(n)])


def _race(customers, item: Item, *, threads: int = 40, address=b.ADDRESS) -> tuple[int, dict[str, int]]:
    """Every customer tries to buy `item` at once; returns (successes, refusals by code)."""
    gate = threading.Event()
    lock = threading.Lock()
    refusals: dict[str, int] = {}

    def buy(customer) -> bool:
        gate.wait()
        try:
            services.place_orders(customer, [item], shipping_address=address)
            return True
        except Conflict as exc:
            with lock:
                refusals[exc.code] = refusals.get(exc.code, 0) + 1
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(buy, c) for c in customers]
        gate.set()
        ok = sum(f.result() for f in futures)
    return ok, refusals


def test_200_buyers_50_units():
    m = factories.merchant()
    sku = b.goods(m, price_fen=100, stock=50)
    won, refusals = _race(_customers(200), Item(sku.public_id, 1))
    assert won == 50
    assert refusals == {"out_of_stock": 150}
    level = StockLevel.objects.get(sku=sku)
    assert (level.on_hand, level.reserved) == (50, 50)
    assert Order.objects.count() == 50
    assert sum(Reservation.objects.values_list("quantity", flat=True)) == 50
    for i, order in enumerate(Order.objects.all()):
        services.record_payment(order.public_id, f"txn-{i}", order.total_fen)
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (0, 0)


def test_multi_unit_buyers_never_oversell():
    m = factories.merchant()
    sku = b.goods(m, stock=25)
    won, refusals = _race(_customers(60), Item(sku.public_id, 3))
    assert won == 8  # 8 x 3 = 24 <= 25 < 27
    level = StockLevel.objects.get(sku=sku)
    assert level.reserved == 24 and level.on_hand == 25
    assert refusals == {"out_of_stock": 52}


def test_slot_capacity_10_with_40_bookings():
    m = factories.merchant()
    store = factories.store(m)
    sku, slot = b.slot_service(m, store, capacity=10)
    won, refusals = _race(_customers(40), Item(sku.public_id, 1, slot.public_id), address=None)
    assert won == 10
    assert refusals == {"slot_full": 30}
    assert Slot.objects.get(pk=slot.pk).booked == 10


def test_voucher_quota_under_contention():
    m = factories.merchant()
    factories.store(m)  # a service is sold only where a store can serve it
    sku = b.voucher_service(m, quota=7)
    won, refusals = _race(_customers(30), Item(sku.public_id, 1), address=None)
    assert won == 7 and refusals == {"sold_out": 23}
    assert VoucherQuota.objects.get(product=sku.product).sold == 7
