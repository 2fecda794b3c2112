"""Cart and checkout through the API: splitting per merchant, snapshots, idempotency,
validation, and nothing half-written on failure."""

from __future__ import annotations

import pytest

from o2o.catalog.models import Sku
from o2o.inventory.models import Reservation, Slot, StockLevel, VoucherQuota
from o2o.orders.models import CartLine, Order, OrderLine
from tests import factories
from tests.orders import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    m1, m2 = factories.merchant("Tea House"), factories.merchant("Hair Salon")
    store2 = factories.store(m2)
    return {
        "m1": m1, "m2": m2, "store2": store2,
        "tea": b.goods(m1, price_fen=2500, stock=5, title="Oolong"),
        "cut": b.slot_service(m2, store2, price_fen=8800, capacity=3),
        "card": b.voucher_service(m2, price_fen=50000, quota=2, uses=10),
        "customer": factories.user(),
    }


def test_cart_checkout_splits_per_merchant_and_kind(world, api_as):
    api = api_as(world["customer"])
    cut_sku, slot = world["cut"]
    assert api.post("/cart/lines", {"sku": world["tea"].public_id, "quantity": 2}).status_code == 201
    assert api.post("/cart/lines", {"sku": cut_sku.public_id, "slot": slot.public_id}).status_code == 201
    r = api.post("/cart/lines", {"sku": world["card"].public_id})
    assert r.status_code == 201
    cart = r.json()
    assert len(cart["lines"]) == 3 and cart["total_fen"] == 2 * 2500 + 8800 + 50000

    r = api.post("/checkout", {"shipping_address": b.ADDRESS})
    assert r.status_code == 201, r.content
    body = r.json()
    by_merchant = {(o["merchant"]["id"], o["kind"]): o for o in body["orders"]}
    assert set(by_merchant) == {(world["m1"].public_id, "goods"), (world["m2"].public_id, "service")}
    goods = by_merchant[(world["m1"].public_id, "goods")]
    service = by_merchant[(world["m2"].public_id, "service")]
    assert goods["total_fen"] == 5000 and goods["shipping_address"]["city"] == "深圳市"
    assert service["total_fen"] == 58800 and service["shipping_address"] is None
    assert body["total_fen"] == 63800
    assert {o["checkout_group"] for o in body["orders"]} == {body["checkout_group"]}
    assert all(o["status"] == "pending_payment" for o in body["orders"])
    # Stock reserved, seat and quota taken, cart emptied.
    level = StockLevel.objects.get(sku=world["tea"])
    assert (level.on_hand, level.reserved) == (5, 2)
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert VoucherQuota.objects.get(product=world["card"].product).sold == 1
    assert api.get("/cart").json()["lines"] == []


def test_lines_snapshot_title_and_price(world, api_as):
    api = api_as(world["customer"])
    sku = world["tea"]
    r = api.post("/orders", {"lines": [{"sku": sku.public_id, "quantity": 1}], "shipping_address": b.ADDRESS})
    assert r.status_code == 201
    order_id = r.json()["orders"][0]["id"]
    Sku.objects.filter(pk=sku.pk).update(price_fen=9999, name="renamed")
    sku.product.title = "New title"
    sku.product.save(update_fields=["title"])
    line = api.get(f"/orders/{order_id}").json()["lines"][0]
    assert (line["title"], line["sku_name"], line["unit_price_fen"]) == ("Oolong", "default", 2500)
    # The cart, by contrast, shows current prices.
    api.post("/cart/lines", {"sku": sku.public_id})
    assert api.get("/cart").json()["lines"][0]["unit_price_fen"] == 9999


def test_idempotency_key_retry_returns_first_order(world, api_as):
    api = api_as(world["customer"])
    body = {"lines": [{"sku": world["tea"].public_id, "quantity": 1}], "shipping_address": b.ADDRESS}
    first = api.post("/orders", body, headers={"Idempotency-Key": "k-1"})
    again = api.post("/orders", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(sku=world["tea"]).reserved == 1
    other = api.post("/orders", {**body, "note": "different"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    # Checkout honours keys too: the retry does not need the (now empty) cart.
    api.post("/cart/lines", {"sku": world["tea"].public_id})
    c1 = api.post("/checkout", {"shipping_address": b.ADDRESS}, headers={"Idempotency-Key": "c-1"})
    c2 = api.post("/checkout", {"shipping_address": b.ADDRESS}, headers={"Idempotency-Key": "c-1"})
    assert c1.status_code == c2.status_code == 201 and c1.json() == c2.json()
    assert Order.objects.count() == 2


def test_failed_checkout_writes_nothing(world, api_as):
    api = api_as(world["customer"])
    cut_sku, slot = world["cut"]
    Slot.objects.filter(pk=slot.pk).update(booked=3)  # full
    r = api.post("/orders", {"lines": [{"sku": world["tea"].public_id, "quantity": 2},
                                       {"sku": cut_sku.public_id, "slot": slot.public_id}],
                             "shipping_address": b.ADDRESS})
    assert r.status_code == 409 and r.json()["error"]["code"] == "slot_full"
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert Reservation.objects.count() == 0
    assert StockLevel.objects.get(sku=world["tea"]).reserved == 0


def test_sold_out_answers(world, api_as):
    api = api_as(world["customer"])
    r = api.post("/orders", {"lines": [{"sku": world["tea"].public_id, "quantity": 6}],
                             "shipping_address": b.ADDRESS})
    assert r.status_code == 409 and r.json()["error"]["code"] == "out_of_stock"
    card = {"lines": [{"sku": world["card"].public_id, "quantity": 2}]}
    assert api.post("/orders", card).status_code == 201
    r = api.post("/orders", {"lines": [{"sku": world["card"].public_id}]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "sold_out"


def test_stock_taken_from_a_location_with_enough(world, api_as):
    m = world["m1"]
    near = b.location(m, "Near", priority=0)
    far = b.location(m, "Far", priority=5)
    sku = b.goods(m, stock=1, loc=near)
    from o2o.inventory import services as inventory

    inventory.set_stock(m, sku.public_id, far.public_id, 10)
    r = api_as(world["customer"]).post("/orders", {"lines": [{"sku": sku.public_id, "quantity": 3}],
                                                    "shipping_address": b.ADDRESS})
    assert r.status_code == 201
    rsv = Reservation.objects.get()
    assert rsv.location == far and rsv.quantity == 3


VALIDATION_CASES = [
    ("no lines", {"lines": []}, 422, "validation_error"),
    ("zero quantity", {"lines": [{"sku": "SKU", "quantity": 0}]}, 422, "validation_error"),
    ("huge quantity", {"lines": [{"sku": "SKU", "quantity": 1000}]}, 422, "validation_error"),
    ("string quantity", {"lines": [{"sku": "SKU", "quantity": "two"}]}, 422, "validation_error"),
    ("malformed sku", {"lines": [{"sku": "nope"}]}, 404, "sku_not_found"),
    ("unknown sku", {"lines": [{"sku": "sku_0000000000000000"}]}, 404, "sku_not_found"),
    ("goods without address", {"lines": [{"sku": "SKU"}]}, 422, "shipping_address_required"),
    ("bad phone", {"lines": [{"sku": "SKU"}], "shipping_address": {**b.ADDRESS, "phone": "call me"}},
     422, "invalid_address"),
    ("blank receiver", {"lines": [{"sku": "SKU"}], "shipping_address": {**b.ADDRESS, "receiver": "  "}},
     422, "invalid_address"),
    ("missing district", {"lines": [{"sku": "SKU"}],
                          "shipping_address": {k: v for k, v in b.ADDRESS.items() if k != "district"}},
     422, "validation_error"),
    ("slot on goods", {"lines": [{"sku": "SKU", "slot": "SLOT"}], "shipping_address": b.ADDRESS},
     422, "slot_not_allowed"),
    ("slot service without slot", {"lines": [{"sku": "CUT"}]}, 422, "slot_required"),
    ("slot of another service", {"lines": [{"sku": "CUT", "slot": "sl2"}]}, 404, "slot_not_found"),
    ("slot on voucher service", {"lines": [{"sku": "CARD", "slot": "SLOT"}]}, 422, "slot_not_allowed"),
    ("note too long", {"lines": [{"sku": "CARD"}], "note": "x" * 201}, 422, "validation_error"),
]


@pytest.mark.parametrize(("case", "body", "status", "code"), VALIDATION_CASES,
                         ids=[c[0] for c in VALIDATION_CASES])
def test_validation_table(world, api_as, case, body, status, code):
    cut_sku, slot = world["cut"]
    _, other_slot = b.slot_service(world["m2"], world["store2"])
    names = {"SKU": world["tea"].public_id, "CUT": cut_sku.public_id, "CARD": world["card"].public_id,
             "SLOT": slot.public_id, "sl2": other_slot.public_id}
    for line in body.get("lines", []):
        for k in ("sku", "slot"):
            if line.get(k) in names:
                line[k] = names[line[k]]
    r = api_as(world["customer"]).post("/orders", body)
    assert r.status_code == status, r.content
    assert r.json()["error"]["code"] == code
    assert Order.objects.count() == 0


def test_unpurchasable_products(world, api_as):
    api = api_as(world["customer"])
    sku = world["tea"]
    Sku.objects.filter(pk=sku.pk).update(is_active=False)
    r = api.post("/cart/lines", {"sku": sku.public_id})
    assert r.status_code == 404 and r.json()["error"]["code"] == "sku_not_found"
    draft = factories.product(world["m1"], published=False).skus.get()
    r = api.post("/orders", {"lines": [{"sku": draft.public_id}], "shipping_address": b.ADDRESS})
    assert r.status_code == 404
    suspended = factories.merchant(status="suspended")
    sus_sku = b.goods(suspended)
    r = api.post("/orders", {"lines": [{"sku": sus_sku.public_id}], "shipping_address": b.ADDRESS})
    assert r.status_code == 404


def test_cart_edit_and_tenancy(world, api_as):
    api = api_as(world["customer"])
    r = api.post("/cart/lines", {"sku": world["tea"].public_id, "quantity": 1})
    api.post("/cart/lines", {"sku": world["tea"].public_id, "quantity": 2})
    lines = api.get("/cart").json()["lines"]
    assert len(lines) == 1 and lines[0]["quantity"] == 3
    line_id = lines[0]["id"]
    r = api.patch(f"/cart/lines/{line_id}", {"quantity": 5})
    assert r.status_code == 200 and r.json()["lines"][0]["quantity"] == 5
    assert api.patch(f"/cart/lines/{line_id}", {"quantity": 0}).status_code == 422
    intruder = api_as(factories.user())
    assert intruder.patch(f"/cart/lines/{line_id}", {"quantity": 1}).status_code == 404
    assert intruder.delete(f"/cart/lines/{line_id}").status_code == 404
    assert api.delete("/cart/lines/crt_garbage").status_code == 404
    assert api.delete(f"/cart/lines/{line_id}").json()["lines"] == []
    r = api.post("/checkout", {"shipping_address": b.ADDRESS})
    assert r.status_code == 409 and r.json()["error"]["code"] == "cart_empty"
    api.post("/cart/lines", {"sku": world["tea"].public_id})
    assert api.delete("/cart").json()["lines"] == []
    assert CartLine.objects.count() == 0


def test_merchants_and_anonymous_cannot_buy(world, api_as, anon):
    body = {"lines": [{"sku": world["tea"].public_id}], "shipping_address": b.ADDRESS}
    assert anon.post("/orders", body).status_code == 401
    r = api_as(world["m2"].owner).post("/orders", body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "customer_role_required"
