"""Issue "done when" for logistics: through the API, the demo shop's goods are bought,
shipped, tracked to delivery, confirmed, returned and refunded; and bought for pick-up
and collected at a store. The ledger check passes at the end."""

from __future__ import annotations

import pytest

from o2o.accounts.models import User
from o2o.demo import loader
from o2o.ledger import services as ledger
from o2o.merchants.models import Store
from o2o.orders.models import Order
from o2o.payments import services as payments
from o2o.payments.models import Refund, RefundStatus
from o2o.shipping.models import Parcel
from tests.shipping.helpers import gateway, pay, track  # noqa: F401

pytestmark = pytest.mark.django_db

ADDRESS = {"receiver": "李爱丽", "phone": "13800000000", "province": "广东省", "city": "深圳市",
           "district": "南山区", "detail": "科技园南区 1 栋 101"}


def _as(api_as, username: str):
    return api_as(User.objects.get(username=username))


def _tea_sku(anon) -> str:
    [tea] = [p for p in anon.get("/products", {"q": "英德红茶"}).json()["results"] if p["title"] == "英德红茶 250g"]
    return anon.get(f"/products/{tea['id']}").json()["skus"][0]["id"]


def _settle_refunds() -> None:
    for refund in Refund.objects.filter(status=RefundStatus.PROCESSING):
        payments.submit_refund(refund.public_id)
        payments.settle_refund(refund.out_refund_no, "SUCCESS")


def test_ship_track_confirm_return_refund_and_pickup(api_as, anon, gateway):  # noqa: F811
    loader.load(tokens=False)
    alice, owner = _as(api_as, "alice"), _as(api_as, "shop_owner")
    sku = _tea_sku(anon)

    # Bought and paid, shipped in one parcel, tracked to delivery by signed carrier pushes.
    r = alice.post("/orders", {"lines": [{"sku": sku, "quantity": 2}], "shipping_address": ADDRESS})
    assert r.status_code == 201, r.content
    order_id = r.json()["orders"][0]["id"]
    order = Order.objects.get(public_id=order_id)
    pay(order.customer, order)
    r = owner.post(f"/merchant/orders/{order_id}/parcels", {"carrier": "sandbox"})
    assert r.status_code == 201, r.content
    parcel = Parcel.objects.get(public_id=r.json()["id"])
    for status in ("picked_up", "in_transit", "out_for_delivery", "delivered"):
        track(parcel, status)
    assert alice.get(f"/orders/{order_id}").json()["status"] == "delivered"
    kinds = [e.get("kind") or e.get("type") or e.get("event") for e in alice.get(f"/orders/{order_id}/timeline").json()]
    assert len(kinds) >= 6

    assert alice.post(f"/orders/{order_id}/confirm").status_code == 200
    assert alice.get(f"/orders/{order_id}").json()["status"] == "completed"

    # One tin comes back: return requested, approved, sent back, received, refunded.
    line = alice.get(f"/orders/{order_id}").json()["lines"][0]["id"]
    r = alice.post(f"/orders/{order_id}/after-sales",
                   {"kind": "return", "reason": "包装破损", "lines": [{"line": line, "quantity": 1}]})
    assert r.status_code == 201, r.content
    ret = r.json()["id"]
    assert owner.post(f"/merchant/after-sales/{ret}/approve", {"note": "ok"}).status_code == 200
    r = alice.post(f"/after-sales/{ret}/return-parcel", {"carrier": "sandbox"})
    assert r.status_code == 201, r.content
    track(Parcel.objects.get(public_id=r.json()["id"]), "delivered")
    r = owner.post(f"/merchant/after-sales/{ret}/receive", {"resellable": True})
    assert r.status_code == 200, r.content
    _settle_refunds()
    refunded = sum(x.amount_fen for x in Refund.objects.filter(payment__order=order, status=RefundStatus.SUCCEEDED))
    assert 0 < refunded <= order.lines.get().unit_price_fen  # one tin at most

    # Bought for pick-up at Book City, collected there by its staff.
    book_city = Store.objects.get(name="山海好物 南山书城店").public_id
    r = alice.post("/orders", {"lines": [{"sku": sku, "quantity": 1}], "pickup_store": book_city})
    assert r.status_code == 201, r.content
    pickup_id = r.json()["orders"][0]["id"]
    pickup = Order.objects.get(public_id=pickup_id)
    pay(pickup.customer, pickup)
    assert owner.post(f"/merchant/orders/{pickup_id}/ready").status_code == 200
    code = alice.get(f"/orders/{pickup_id}/pickup").json()["code"]
    staff = _as(api_as, "shop_staff")
    r = staff.post("/merchant/pickup/redeem", {"store": book_city, "code": code})
    assert r.status_code == 200, r.content
    again = staff.post("/merchant/pickup/redeem", {"store": book_city, "code": code})
    assert again.status_code == 409
    assert alice.get(f"/orders/{pickup_id}").json()["status"] == "completed"

    ledger.relay_pending()
    report = ledger.run_checks()
    assert report.ok, report.problems
