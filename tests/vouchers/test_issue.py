"""Issuing on payment: one voucher per unit, idempotent per line, validity, stores, slot."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.vouchers import codes, services
from o2o.vouchers.models import Voucher
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return b.world()


def test_one_voucher_per_unit_with_its_own_code(w):
    p = b.service(w.merchant, uses=10, price_fen=50000)
    order = b.buy(w.customer, p, quantity=3)
    vouchers = b.vouchers_of(order)
    assert [v.seq for v in vouchers] == [1, 2, 3]
    assert len({v.code for v in vouchers}) == 3 and all(codes.is_valid(v.code) for v in vouchers)
    for v in vouchers:
        assert (v.uses_total, v.uses_left, v.status, v.price_fen) == (10, 10, "active", 50000)
        assert v.customer == w.customer and v.merchant == w.merchant and v.all_stores
        assert v.valid_until - v.valid_from == dt.timedelta(days=30)
    assert OutboxEvent.objects.filter(event_type="voucher.issued").count() == 3


def test_issue_is_idempotent_per_line(w):
    order = b.buy(w.customer, b.service(w.merchant), quantity=2)
    assert services.issue_for_order(order) == []
    Voucher.objects.filter(order=order, seq=2).delete()
    again = services.issue_for_order(order)
    assert [v.seq for v in again] == [2]
    assert Voucher.objects.filter(order=order).count() == 2


def test_fixed_window_and_listed_stores(w):
    start = clock.now() + dt.timedelta(days=1)
    p = b.service(w.merchant, stores=[w.other_store], validity_days=None, valid_from=start,
                  valid_until=start + dt.timedelta(days=7))
    v = b.vouchers_of(b.buy(w.customer, p))[0]
    assert (v.valid_from, v.valid_until) == (start, start + dt.timedelta(days=7))
    assert not v.all_stores and list(v.stores.all()) == [w.other_store]
    assert services.valid_at(v, w.other_store) and not services.valid_at(v, w.store)
    assert not services.valid_at(v, w.rival_store)


def test_slot_voucher_is_valid_at_the_slot_store_through_the_slot_day(w):
    product, slot = b.slot_service(w.merchant, w.other_store, starts_in=dt.timedelta(days=45))
    v = b.vouchers_of(b.buy(w.customer, product, slot=slot))[0]
    assert v.slot == slot and list(v.stores.all()) == [w.other_store]
    # validity_days is 30, but a slot 45 days ahead keeps the voucher valid through it.
    assert v.valid_until > slot.ends_at


def test_goods_orders_get_no_vouchers(w):
    from tests.orders import builders as ob

    sku = ob.goods(w.merchant, stock=3)
    from o2o.orders import services as orders

    [order] = orders.place_orders(w.customer, [orders.Item(sku.public_id, 1)],
                                  shipping_address=ob.ADDRESS)
    orders.record_payment(order.public_id, "txn-goods-1", order.total_fen)
    assert not Voucher.objects.filter(order=order).exists()
