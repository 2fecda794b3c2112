"""Buy online, collect in store: stock at the store, a single-use code, the right store."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.inventory import services as inventory
from o2o.orders import services as orders
from o2o.orders.models import Order
from o2o.orders.services import Item
from o2o.shipping import services
from o2o.shipping.models import PickupCode
from o2o.vouchers import codes
from tests import factories
from tests.orders import builders as b
from tests.shipping.helpers import gateway, paid_order  # noqa: F401


def _shop():
    m = factories.merchant()
    near, far = factories.store(m), factories.store(m, lat="22.540000")
    warehouse = b.location(m, priority=0)
    at_store = inventory.create_location(m, name="Near store shelf", kind="store", store_public_id=near.public_id,
                                         priority=5)
    sku = b.goods(m, price_fen=3000, stock=20, loc=warehouse)
    inventory.set_stock(m, sku.public_id, at_store.public_id, 2)
    return {"m": m, "near": near, "far": far, "sku": sku, "warehouse": warehouse, "at_store": at_store}


@pytest.fixture
def shop(gateway):  # noqa: F811
    return _shop()


@pytest.mark.django_db
def test_pickup_reserves_at_the_store_and_needs_no_address(shop):
    customer = factories.user()
    (order,) = orders.place_orders(customer, [Item(shop["sku"].public_id, 2)], pickup_store=shop["near"].public_id)
    assert order.pickup_store_id == shop["near"].pk and order.shipping_address is None
    assert order.shipping_fee_fen == 0 and order.total_fen == 6000
    rsv = order.lines.get().reservations.get()
    assert rsv.location_id == shop["at_store"].pk  # not the warehouse, though it comes first
    with pytest.raises(Conflict) as exc, transaction.atomic():  # the store has no more
        orders.place_orders(customer, [Item(shop["sku"].public_id, 1)], pickup_store=shop["near"].public_id)
    assert exc.value.code == "out_of_stock"
    other = factories.merchant()
    with pytest.raises(ValidationFailed) as exc, transaction.atomic():
        orders.place_orders(customer, [Item(shop["sku"].public_id, 1)],
                            pickup_store=factories.store(other).public_id)
    assert exc.value.code == "pickup_store_mismatch"
    with pytest.raises(NotFound), transaction.atomic():
        orders.place_orders(customer, [Item(shop["sku"].public_id, 1)], pickup_store="sto_nope")


@pytest.mark.django_db
def test_ready_code_and_hand_over_at_the_right_store(shop, api_as):
    m, customer = shop["m"], factories.user()
    order = paid_order(customer, [(shop["sku"], 1)], pickup_store=shop["near"].public_id)
    with pytest.raises(Conflict) as exc:
        services.create_parcel(m, order.public_id)
    assert exc.value.code == "pickup_order"
    owner = api_as(m.owner)
    assert owner.post(f"/merchant/orders/{order.public_id}/ready").json()["order_status"] == "ready_for_pickup"
    assert owner.post(f"/merchant/orders/{order.public_id}/ready").status_code == 409
    me = api_as(customer)
    mine = me.get(f"/orders/{order.public_id}/pickup").json()
    assert codes.is_valid(mine["code"]) and mine["status"] == "ready"
    qr = me.get(f"/orders/{order.public_id}/pickup/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert api_as(factories.user()).get(f"/orders/{order.public_id}/pickup").status_code == 404
    far_staff = api_as(factories.staff(m, [shop["far"]]))
    body = {"store": shop["far"].public_id, "code": mine["display"].lower()}
    r = far_staff.post("/merchant/pickup/redeem", body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "wrong_store"
    r = far_staff.post("/merchant/pickup/redeem", {**body, "store": shop["near"].public_id})
    assert r.status_code == 403  # bound to the other store
    intruder = api_as(factories.merchant().owner)
    assert intruder.post("/merchant/pickup/redeem", {**body, "store": shop["near"].public_id}).status_code == 404
    near_staff = api_as(factories.staff(m, [shop["near"]]))
    body["store"] = shop["near"].public_id
    assert near_staff.post("/merchant/pickup/lookup", body).json()["status"] == "ready"
    r = near_staff.post("/merchant/pickup/redeem", body)
    assert r.status_code == 200 and r.json()["status"] == "collected"
    done = Order.objects.get(pk=order.pk)
    assert done.status == "completed" and done.delivered_at is not None
    r = near_staff.post("/merchant/pickup/redeem", body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_collected"
    bad = {"store": shop["near"].public_id, "code": mine["code"][:-1] + ("0" if mine["code"][-1] != "0" else "1")}
    assert near_staff.post("/merchant/pickup/redeem", bad).json()["error"]["code"] == "invalid_code"
    types = [e["type"] for e in me.get(f"/orders/{order.public_id}/timeline").json()]
    assert types[-4:] == ["pickup.ready", "pickup.collected", "order.delivered", "order.completed"]


@pytest.mark.django_db
def test_cancel_before_collection_refunds_and_restocks(shop, api_as):
    customer = factories.user()
    order = paid_order(customer, [(shop["sku"], 2)], pickup_store=shop["near"].public_id)
    services.mark_ready(shop["m"], order.public_id)
    assert shop["at_store"].levels.get().on_hand == 0
    r = api_as(customer).post(f"/orders/{order.public_id}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert shop["at_store"].levels.get().on_hand == 2
    assert PickupCode.objects.get(order=order).status == "cancelled"
    staff = factories.staff(shop["m"])
    with pytest.raises(Conflict) as exc:
        services.hand_over(staff, shop["near"].public_id, PickupCode.objects.get(order=order).code)
    assert exc.value.code == "pickup_cancelled"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_counters_redeem_the_same_code_at_once():
    from o2o.payments.providers import use_gateway
    from tests.shipping.helpers import StubGateway

    use_gateway(StubGateway())
    try:
        shop = _shop()
        order = paid_order(factories.user(), [(shop["sku"], 1)], pickup_store=shop["near"].public_id)
        code = services.mark_ready(shop["m"], order.public_id).code
        clerks = [factories.staff(shop["m"], [shop["near"]]) for _ in range(2)]
        barrier = threading.Barrier(2)
        results: list = []

        def counter(user) -> None:
            try:
                barrier.wait()
                services.hand_over(user, shop["near"].public_id, codes.display(code))
                results.append("handed over")
            except (Conflict, PermissionDenied) as exc:
                results.append(exc.code)
            finally:
                connection.close()

        threads = [threading.Thread(target=counter, args=(u,)) for u in clerks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["already_collected", "handed over"]
        assert Order.objects.get(pk=order.pk).status == "completed"
        from o2o.core.models import OutboxEvent

        assert OutboxEvent.objects.filter(aggregate_id=order.public_id, event_type="order.completed").count() == 1
    finally:
        use_gateway(None)
