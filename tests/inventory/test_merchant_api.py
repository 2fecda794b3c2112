"""Merchant endpoints for stock, schedules, slots and orders: validation and tenancy."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from o2o.core import clock
from o2o.inventory.models import StockLevel
from o2o.orders import services as orders
from o2o.orders.services import Item
from tests import factories
from tests.orders import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    m, other = factories.merchant(), factories.merchant()
    return {"m": m, "store": factories.store(m), "other": other, "other_store": factories.store(other)}


def test_stock_set_adjust_and_limits(two, api_as):
    m = two["m"]
    owner = api_as(m.owner)
    loc = owner.post("/merchant/locations", {"name": "WH"}).json()
    sku = factories.product(m).skus.get()
    put = lambda body: owner.put("/merchant/stock", {"sku": sku.public_id, "location": loc["id"], **body})  # noqa: E731
    r = put({"on_hand": 10})
    assert r.status_code == 200 and r.json()["available"] == 10
    assert put({"delta": 5}).json()["on_hand"] == 15
    assert put({"delta": -20}).json()["error"]["code"] == "insufficient_stock"
    assert put({"on_hand": -1}).status_code == 422
    assert put({}).json()["error"]["code"] == "on_hand_or_delta"
    assert put({"on_hand": 1, "delta": 1}).status_code == 422
    orders.place_orders(factories.user(), [Item(sku.public_id, 4)], shipping_address=b.ADDRESS)
    r = put({"on_hand": 3})
    assert r.status_code == 409 and r.json()["error"]["code"] == "below_reserved"
    assert put({"delta": -12}).status_code == 409
    assert put({"delta": -11}).json()["available"] == 0
    listed = owner.get("/merchant/stock", {"sku": sku.public_id}).json()["results"]
    assert [(s["on_hand"], s["reserved"]) for s in listed] == [(4, 4)]
    # Staff may look but not change; another merchant sees nothing and touches nothing.
    staff = api_as(factories.staff(m))
    assert staff.get("/merchant/stock").status_code == 200
    assert staff.put("/merchant/stock", {"sku": sku.public_id, "location": loc["id"], "on_hand": 1}).status_code == 403
    intruder = api_as(two["other"].owner)
    assert intruder.get("/merchant/stock").json()["results"] == []
    assert intruder.put("/merchant/stock", {"sku": sku.public_id, "location": loc["id"], "on_hand": 1}).status_code == 404
    other_loc = intruder.post("/merchant/locations", {"name": "Theirs"}).json()
    assert put({"on_hand": 1, "location": other_loc["id"]}).status_code == 404
    assert StockLevel.objects.get(sku=sku).on_hand == 4


def test_location_validation(two, api_as):
    owner = api_as(two["m"].owner)
    r = owner.post("/merchant/locations", {"name": "Shop floor", "kind": "store"})
    assert r.json()["error"]["code"] == "store_required"
    r = owner.post("/merchant/locations", {"name": "Shop floor", "kind": "store",
                                           "store": two["other_store"].public_id})
    assert r.status_code == 404
    r = owner.post("/merchant/locations", {"name": "Shop floor", "kind": "store", "store": two["store"].public_id})
    assert r.status_code == 201 and r.json()["store"] == two["store"].public_id
    assert owner.post("/merchant/locations", {"name": ""}).status_code == 422


def test_schedules_and_slots_api(two, api_as):
    m, store = two["m"], two["store"]
    owner = api_as(m.owner)
    product = factories.product(m, kind="SERVICE", booking_mode="slot")
    body = {"product": product.public_id, "store": store.public_id, "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "start_time": "10:00", "end_time": "12:00", "slot_minutes": 30, "capacity": 2,
            "valid_from": clock.now().date().isoformat()}
    r = owner.post("/merchant/schedules", body)
    assert r.status_code == 201, r.content
    sch = r.json()["id"]
    created = owner.post(f"/merchant/schedules/{sch}/generate", {"days_ahead": 2}).json()["created"]
    assert 8 <= created <= 12  # today's slots may already be past
    assert owner.post(f"/merchant/schedules/{sch}/generate", {"days_ahead": 2}).json()["created"] == 0
    assert owner.post(f"/merchant/schedules/{sch}/generate", {"days_ahead": 9999}).status_code == 422
    assert owner.post("/merchant/schedules", {**body, "end_time": "09:00"}).status_code == 422
    slots = owner.get("/merchant/slots", {"product": product.public_id}).json()["results"]
    assert len(slots) == created
    slot_id = slots[0]["id"]
    assert owner.post(f"/merchant/slots/{slot_id}/close").json()["is_closed"] is True
    assert owner.post(f"/merchant/slots/{slot_id}/reopen").json()["is_closed"] is False
    one_off = {"product": product.public_id, "store": store.public_id, "minutes": 45, "capacity": 6,
               "starts_at": (clock.now() + dt.timedelta(days=5)).isoformat()}
    r = owner.post("/merchant/slots", one_off)
    assert r.status_code == 201 and r.json()["remaining"] == 6
    assert owner.post("/merchant/slots", one_off).json()["error"]["code"] == "slot_exists"
    past = {**one_off, "starts_at": (clock.now() - dt.timedelta(hours=1)).isoformat()}
    assert owner.post("/merchant/slots", past).json()["error"]["code"] == "slot_in_past"
    day = (clock.now().astimezone(ZoneInfo(store.time_zone)) + dt.timedelta(days=1)).date().isoformat()
    r = owner.get("/merchant/slots", {"date": day})
    assert r.json()["error"]["code"] == "store_required"
    r = owner.post("/merchant/closures", {"store": store.public_id, "date": day})
    assert r.status_code == 201 and r.json()["slots_closed"] == 4
    # Tenancy: the other merchant reaches none of it.
    intruder = api_as(two["other"].owner)
    assert intruder.post(f"/merchant/slots/{slot_id}/close").status_code == 404
    assert intruder.post(f"/merchant/schedules/{sch}/generate", {"days_ahead": 1}).status_code == 404
    assert intruder.get("/merchant/slots").json()["results"] == []
    assert intruder.get("/merchant/schedules").json()["results"] == []
    assert intruder.post("/merchant/schedules", body).status_code == 404
    assert api_as(factories.user()).get("/merchant/slots").status_code == 403


def test_quota_api(two, api_as):
    owner = api_as(two["m"].owner)
    sku = b.voucher_service(two["m"])
    pid = sku.product.public_id
    r = owner.put(f"/merchant/quotas/{pid}", {"total": 1})
    assert r.json() == {"product": pid, "total": 1, "sold": 0, "remaining": 1}
    orders.place_orders(factories.user(), [Item(sku.public_id, 1)])
    assert owner.put(f"/merchant/quotas/{pid}", {"total": 0}).json()["error"]["code"] == "below_sold"
    assert owner.put(f"/merchant/quotas/{pid}", {"total": None}).json()["total"] is None
    assert api_as(two["other"].owner).put(f"/merchant/quotas/{pid}", {"total": 5}).status_code == 404


def test_merchant_orders_filters_and_tenancy(two, api_as):
    m, store = two["m"], two["store"]
    tea = b.goods(m, price_fen=1000)
    cut, slot = b.slot_service(m, store)
    customer = factories.user()
    goods_order, service_order = orders.place_orders(
        customer, [Item(tea.public_id, 1), Item(cut.public_id, 1, slot.public_id)], shipping_address=b.ADDRESS)
    orders.record_payment(goods_order.public_id, "tx-1", 1000)
    owner = api_as(m.owner)
    ids = lambda **q: {o["id"] for o in owner.get("/merchant/orders", q).json()["results"]}  # noqa: E731
    assert ids() == {goods_order.public_id, service_order.public_id}
    assert ids(status="paid") == {goods_order.public_id}
    assert ids(kind="service") == {service_order.public_id}
    assert ids(store=store.public_id) == {service_order.public_id}
    today = clock.now().date()
    assert ids(created_from=(today + dt.timedelta(days=2)).isoformat()) == set()
    assert len(ids(created_to=(today + dt.timedelta(days=1)).isoformat())) == 2
    assert owner.get("/merchant/orders", {"status": "bogus"}).status_code == 422
    r = owner.get(f"/merchant/orders/{goods_order.public_id}")
    assert r.status_code == 200 and r.json()["lines"][0]["unit_price_fen"] == 1000
    r = owner.post(f"/merchant/orders/{service_order.public_id}/ship")
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    assert owner.post(f"/merchant/orders/{goods_order.public_id}/ship").json()["status"] == "shipped"
    intruder = api_as(two["other"].owner)
    assert intruder.get("/merchant/orders").json()["results"] == []
    assert intruder.get(f"/merchant/orders/{goods_order.public_id}").status_code == 404
    assert intruder.get("/merchant/orders/ord_garbage").status_code == 404
    assert api_as(customer).get("/merchant/orders").status_code == 403
