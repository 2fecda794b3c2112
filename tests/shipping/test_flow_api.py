"""The whole goods flow through the API: buy, pay, ship, track, confirm, return, refund;
and buy for pick-up and collect at the store."""

from __future__ import annotations

import pytest

from o2o.inventory import services as inventory
from o2o.orders.models import Order
from o2o.shipping.models import CarrierPush, Parcel
from tests import factories
from tests.orders import builders as b
from tests.shipping.helpers import gateway, pay, track  # noqa: F401


@pytest.mark.django_db
def test_buy_pay_ship_track_confirm_return_refund(gateway, api_as, monkeypatch):  # noqa: F811
    monkeypatch.setenv("O2O_SANDBOX_CARRIER_DELIVERY", "inline")
    m = factories.merchant()
    sku = b.goods(m, price_fen=4500, stock=5)
    owner, op = api_as(m.owner), api_as(factories.operator())
    assert owner.put("/merchant/shipping-rule", {"kind": "flat", "flat_fee_fen": 800}).status_code == 200
    customer = factories.user()
    me = api_as(customer)
    r = me.post("/orders", {"lines": [{"sku": sku.public_id, "quantity": 2}], "shipping_address": b.ADDRESS})
    assert r.status_code == 201, r.content
    body = r.json()["orders"][0]
    assert (body["shipping_fee_fen"], body["total_fen"]) == (800, 9800)
    order = Order.objects.get(public_id=body["id"])
    pay(customer, order)
    line = body["lines"][0]["id"]
    r = owner.post(f"/merchant/orders/{order.public_id}/parcels",
                   {"carrier": "sandbox", "items": [{"line": line, "quantity": 1}]})
    assert r.status_code == 201 and r.json()["tracking_number"].startswith("SB")
    r = owner.post(f"/merchant/orders/{order.public_id}/ship", {"tracking_number": "SBX-778899"})
    assert r.json()["status"] == "shipped"
    for parcel in Parcel.objects.filter(order=order):
        for status in ("picked_up", "in_transit", "out_for_delivery", "delivered"):
            r = op.post(f"/operator/parcels/{parcel.public_id}/events", {"status": status, "city": "深圳"})
            assert r.status_code == 202
            from o2o.shipping import services

            assert services.deliver_push(CarrierPush.objects.get(event_id=r.json()["event_id"]).pk)
    assert me.get(f"/orders/{order.public_id}").json()["status"] == "delivered"
    assert me.post(f"/orders/{order.public_id}/confirm").json()["status"] == "completed"
    r = me.post(f"/orders/{order.public_id}/after-sales",
                {"kind": "return", "reason": "does not fit", "lines": [{"line": line, "quantity": 1}]})
    assert r.status_code == 201 and r.json()["requested_fen"] == 4500
    ret = r.json()["id"]
    assert owner.post(f"/merchant/after-sales/{ret}/approve", {"note": "ok"}).json()["status"] == "approved"
    r = me.post(f"/after-sales/{ret}/return-parcel", {"carrier": "sandbox"})
    assert r.status_code == 201 and r.json()["direction"] == "return"
    track(Parcel.objects.get(public_id=r.json()["id"]), "delivered")
    r = owner.post(f"/merchant/after-sales/{ret}/receive", {"resellable": True, "amount_fen": 4600})
    assert r.status_code == 409 and r.json()["error"]["code"] == "refund_exceeds_paid"
    r = owner.post(f"/merchant/after-sales/{ret}/receive", {"resellable": True})
    assert r.json()["status"] == "refunded" and r.json()["refunded_fen"] == 4500 and r.json()["refund"]
    assert sku.stock_levels.get().on_hand == 5 - 2 + 1
    timeline = me.get(f"/orders/{order.public_id}/timeline").json()
    types = [e["type"] for e in timeline]
    for t in ("order.created", "order.paid", "parcel.created", "parcel.in_transit", "order.shipped",
              "order.delivered", "order.completed", "after_sale.requested", "after_sale.return_shipped",
              "after_sale.received", "after_sale.refunded", "refund.created"):
        assert t in types, t
    assert types.index("order.paid") < types.index("order.shipped") < types.index("order.completed")
    assert owner.get(f"/orders/{order.public_id}/timeline").json() == timeline
    assert op.get(f"/orders/{order.public_id}/timeline").status_code == 200
    assert api_as(factories.user()).get(f"/orders/{order.public_id}/timeline").status_code == 404
    assert api_as(factories.merchant().owner).get(f"/orders/{order.public_id}/timeline").status_code == 404
    assert me.get("/orders/ord_nope/timeline").status_code == 404
    assert [x["id"] for x in me.get("/after-sales").json()["results"]] == [ret]


@pytest.mark.django_db
def test_buy_for_pickup_and_collect(gateway, api_as):  # noqa: F811
    m = factories.merchant()
    store = factories.store(m)
    loc = inventory.create_location(m, name="Shelf", kind="store", store_public_id=store.public_id)
    sku = b.goods(m, price_fen=1200, stock=3, loc=loc)
    customer = factories.user()
    me = api_as(customer)
    r = me.post("/cart/lines", {"sku": sku.public_id, "quantity": 2})
    assert r.status_code == 201
    r = me.post("/checkout", {"pickup_store": store.public_id})
    assert r.status_code == 201, r.content
    body = r.json()["orders"][0]
    assert body["pickup_store"] == store.public_id and body["shipping_address"] is None
    order = Order.objects.get(public_id=body["id"])
    pay(customer, order)
    owner = api_as(m.owner)
    assert owner.post(f"/merchant/orders/{order.public_id}/ship").json()["error"]["code"] == "pickup_order"
    owner.post(f"/merchant/orders/{order.public_id}/ready")
    code = me.get(f"/orders/{order.public_id}/pickup").json()["code"]
    staff = api_as(factories.staff(m, [store]))
    r = staff.post("/merchant/pickup/redeem", {"store": store.public_id, "code": code})
    assert r.status_code == 200 and r.json()["order_status"] == "completed"
    assert me.get(f"/orders/{order.public_id}").json()["status"] == "completed"
