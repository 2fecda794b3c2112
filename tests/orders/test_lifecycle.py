"""The order state machine: payment and its hooks, transitions, cancellation and the unpaid sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from o2o.core import clock
from o2o.core.errors import Conflict, NotFound
from o2o.core.models import OutboxEvent
from o2o.inventory.models import Reservation, Slot, StockLevel, VoucherQuota
from o2o.orders import services
from o2o.orders.models import Order, PaymentRecord
from o2o.orders.services import Item, hooks
from o2o.orders.tasks import close_expired
from o2o.shipping import services as shipping
from o2o.vouchers.models import Voucher
from tests import factories
from tests.orders import builders as b
from tests.shipping.helpers import ship_and_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    m = factories.merchant()
    store = factories.store(m)
    return {"m": m, "store": store, "tea": b.goods(m, price_fen=2500, stock=5),
            "cut": b.slot_service(m, store, capacity=2), "card": b.voucher_service(m, quota=3),
            "customer": factories.user()}


def _buy(shop, *items, customer=None) -> list[Order]:
    return services.place_orders(customer or shop["customer"], list(items), shipping_address=b.ADDRESS)


def test_payment_commits_stock_and_is_idempotent(shop):
    (order,) = _buy(shop, Item(shop["tea"].public_id, 2))
    paid = services.record_payment(order.public_id, "txn-1", 5000)
    assert paid.status == "paid" and paid.paid_amount_fen == 5000 and paid.paid_at is not None
    level = StockLevel.objects.get(sku=shop["tea"])
    assert (level.on_hand, level.reserved) == (3, 0)
    assert Reservation.objects.get().state == "committed"
    again = services.record_payment(order.public_id, "txn-1", 5000)
    assert again.status == "paid"
    assert PaymentRecord.objects.count() == 1
    assert OutboxEvent.objects.filter(event_type="order.paid").count() == 1
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (3, 0)
    with pytest.raises(Conflict) as exc:
        services.record_payment(order.public_id, "txn-2", 5000)
    assert exc.value.code == "already_paid"


def test_amount_mismatch_credits_nothing(shop):
    (order,) = _buy(shop, Item(shop["tea"].public_id, 1))
    with pytest.raises(Conflict) as exc:
        services.record_payment(order.public_id, "txn-1", 2499)
    assert exc.value.code == "amount_mismatch"
    order.refresh_from_db()
    assert order.status == "pending_payment" and PaymentRecord.objects.count() == 0
    assert StockLevel.objects.get(sku=shop["tea"]).reserved == 1
    with pytest.raises(NotFound):
        services.record_payment("ord_0000000000000000", "txn-x", 1)


def test_payment_for_closed_order_is_refused(shop):
    (order,) = _buy(shop, Item(shop["tea"].public_id, 1))
    services.cancel_order(shop["customer"], order.public_id)
    with pytest.raises(Conflict) as exc:
        services.record_payment(order.public_id, "txn-1", 2500)
    assert exc.value.code == "order_closed"
    assert PaymentRecord.objects.count() == 0


def test_goods_path_and_illegal_transitions(shop):
    """Goods move through shipping (parcel, carrier's delivery event), then the customer."""
    (order,) = _buy(shop, Item(shop["tea"].public_id, 1))
    m, customer = shop["m"], shop["customer"]
    with pytest.raises(Conflict) as exc:
        shipping.create_parcel(m, order.public_id)  # not paid yet
    assert exc.value.code == "illegal_transition"
    services.record_payment(order.public_id, "t1", 2500)
    with pytest.raises(Conflict):
        services.confirm_received(customer, order.public_id)  # not delivered
    ship_and_deliver(m, order)
    done = services.confirm_received(customer, order.public_id)
    assert done.status == "completed" and done.completed_at is not None
    with pytest.raises(Conflict) as exc:
        services.cancel_order(customer, order.public_id)
    assert exc.value.code == "illegal_transition"
    with pytest.raises(Conflict):
        services.sync_service_order(done, usable=True, used=True)  # goods orders are never "in use"


def test_a_paid_order_never_closes_without_its_refund(shop):
    (order,) = _buy(shop, Item(shop["tea"].public_id, 1))
    services.record_payment(order.public_id, "t1", 2500)
    with transaction.atomic():
        locked = services.lock_order(order.pk)
        with pytest.raises(Conflict) as exc:
            services.transition(locked, "closed", close_reason="cancelled")
    assert exc.value.code == "refund_required"
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_service_order_follows_its_vouchers(shop):
    sku, slot = shop["cut"]
    (order,) = _buy(shop, Item(sku.public_id, 1, slot.public_id))
    services.record_payment(order.public_id, "t1", order.total_fen)
    assert Voucher.objects.filter(order=order).count() == 1  # issued by the vouchers on_paid hook
    with transaction.atomic():
        locked = services.lock_order(order.pk)
        services.sync_service_order(locked, usable=True, used=True)
        services.sync_service_order(locked, usable=True, used=True)  # no-op when already in use
    assert Order.objects.get(pk=order.pk).status == "in_use"
    with transaction.atomic():
        services.sync_service_order(services.lock_order(order.pk), usable=False, used=True)
    done = Order.objects.get(pk=order.pk)
    assert done.status == "completed" and done.completed_at is not None
    with transaction.atomic():  # a reversal gave the last use back
        services.sync_service_order(services.lock_order(order.pk), usable=True, used=False)
    back = Order.objects.get(pk=order.pk)
    assert (back.status, back.completed_at) == ("paid", None)
    assert OutboxEvent.objects.filter(aggregate_id=order.public_id, event_type="order.paid").count() == 1
    reopened = OutboxEvent.objects.get(aggregate_id=order.public_id, event_type="order.reopened")
    assert reopened.payload == {"from": "completed", "to": "paid"}
    with pytest.raises(Conflict):
        shipping.create_parcel(shop["m"], order.public_id)


def test_a_failing_paid_hook_rolls_the_payment_back(shop):
    def broken(order):
        raise RuntimeError("voucher issuer down")

    (order,) = _buy(shop, Item(shop["card"].public_id, 1))
    hooks.on_paid(broken)
    try:
        with pytest.raises(RuntimeError):
            services.record_payment(order.public_id, "t1", order.total_fen)
    finally:
        hooks._paid_hooks.remove(broken)
    order.refresh_from_db()
    assert order.status == "pending_payment" and PaymentRecord.objects.count() == 0
    assert not Voucher.objects.filter(order=order).exists()
    services.record_payment(order.public_id, "t1", order.total_fen)  # once it works, it is paid
    assert Voucher.objects.filter(order=order).count() == 1


def test_cancel_releases_everything_and_only_own_orders(shop, api_as):
    sku, slot = shop["cut"]
    orders = _buy(shop, Item(shop["tea"].public_id, 2), Item(sku.public_id, 2, slot.public_id),
                  Item(shop["card"].public_id, 1))
    assert len(orders) == 2
    intruder = api_as(factories.user())
    for o in orders:
        assert intruder.post(f"/orders/{o.public_id}/cancel").status_code == 404
        assert intruder.get(f"/orders/{o.public_id}").status_code == 404
    api = api_as(shop["customer"])
    for o in orders:
        r = api.post(f"/orders/{o.public_id}/cancel")
        assert r.status_code == 200 and r.json()["status"] == "closed"
        assert r.json()["close_reason"] == "cancelled"
    assert StockLevel.objects.get(sku=shop["tea"]).reserved == 0
    assert Slot.objects.get(pk=slot.pk).booked == 0
    assert VoucherQuota.objects.get().sold == 0
    r = api.post(f"/orders/{orders[0].public_id}/cancel")
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    listed = api.get("/orders", {"status": "closed"}).json()["results"]
    assert {o["id"] for o in listed} == {o.public_id for o in orders}
    assert api.get("/orders", {"status": "paid"}).json()["results"] == []


def test_unpaid_orders_close_after_the_window_not_before(shop):
    start = clock.now()
    sku, slot = shop["cut"]
    with clock.frozen(start):
        goods, service = _buy(shop, Item(shop["tea"].public_id, 3), Item(sku.public_id, 2, slot.public_id))
        (paid,) = _buy(shop, Item(shop["tea"].public_id, 1))
        services.record_payment(paid.public_id, "t-paid", 2500)
    window = services.payment_window()
    assert window == dt.timedelta(minutes=15)
    with clock.frozen(start + window - dt.timedelta(seconds=1)):
        assert services.close_expired_orders() == 0
    assert Order.objects.filter(status="pending_payment").count() == 2
    with clock.frozen(start + window + dt.timedelta(seconds=1)):
        assert close_expired.call() == 2  # the worker's task runs the same sweep
        assert services.close_expired_orders() == 0
    assert set(Order.objects.values_list("status", flat=True)) == {"closed", "paid"}
    assert Order.objects.get(pk=goods.pk).close_reason == "expired"
    level = StockLevel.objects.get(sku=shop["tea"])
    assert (level.on_hand, level.reserved) == (4, 0)
    assert Slot.objects.get(pk=slot.pk).booked == 0
    with pytest.raises(Conflict) as exc:
        services.record_payment(service.public_id, "late", service.total_fen)
    assert exc.value.code == "order_closed"


def test_close_task_is_registered_periodically():
    from o2o.core import schedule

    periodic = schedule.registered()["orders.close_expired"]
    assert periodic.every == dt.timedelta(seconds=30)
