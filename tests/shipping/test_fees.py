"""Shipping fees: per-merchant rules computed at checkout, free by default."""

from __future__ import annotations

import pytest

from o2o.freight import services as fees
from o2o.freight.models import RuleKind, ShippingRule
from o2o.orders import services as orders
from o2o.orders.services import Item
from o2o.shipping import services
from tests import factories
from tests.orders import builders as b


def _rule(**fields) -> ShippingRule:
    return ShippingRule(updated_at=None, **fields)


def test_rule_arithmetic():
    assert fees.compute(None, 100, 5000) == 0
    assert fees.compute(_rule(kind=RuleKind.FLAT, flat_fee_fen=800), 100, 0) == 800
    over = _rule(kind=RuleKind.FREE_OVER, flat_fee_fen=800, free_over_fen=9900)
    assert (fees.compute(over, 9899, 0), fees.compute(over, 9900, 0)) == (800, 0)
    weight = _rule(kind=RuleKind.BY_WEIGHT, first_weight_grams=1000, first_fee_fen=1000,
                   extra_weight_grams=500, extra_fee_fen=300)
    assert [fees.compute(weight, 1, g) for g in (0, 1000, 1001, 1500, 1501)] == [1000, 1000, 1300, 1300, 1600]


@pytest.mark.django_db
def test_checkout_adds_the_merchants_fee_per_order(api_as):
    flat, by_weight, free = factories.merchant(), factories.merchant(), factories.merchant()
    services.set_rule(flat, kind="free_over", flat_fee_fen=600, free_over_fen=5000)
    services.set_rule(by_weight, kind="by_weight", first_weight_grams=1000, first_fee_fen=1000,
                      extra_weight_grams=1000, extra_fee_fen=500)
    a = b.goods(flat, price_fen=2000)
    heavy = b.goods(by_weight, price_fen=3000)
    heavy.product.weight_grams = 1200
    heavy.product.save()
    c = b.goods(free, price_fen=1000)
    customer = factories.user()
    placed = orders.place_orders(customer, [Item(a.public_id, 1), Item(heavy.public_id, 2), Item(c.public_id, 1)],
                                 shipping_address=b.ADDRESS)
    got = {o.merchant_id: (o.shipping_fee_fen, o.total_fen) for o in placed}
    assert got == {flat.pk: (600, 2600), by_weight.pk: (1000 + 2 * 500, 8000), free.pk: (0, 1000)}
    (free_now,) = orders.place_orders(customer, [Item(a.public_id, 3)], shipping_address=b.ADDRESS)
    assert (free_now.shipping_fee_fen, free_now.total_fen) == (0, 6000)
    r = api_as(customer).get(f"/orders/{free_now.public_id}")
    assert r.json()["shipping_fee_fen"] == 0 and r.json()["pickup_store"] is None


@pytest.mark.django_db
def test_rule_api(api_as):
    m = factories.merchant()
    owner = api_as(m.owner)
    assert owner.get("/merchant/shipping-rule").json()["kind"] == "free"
    r = owner.put("/merchant/shipping-rule", {"kind": "flat", "flat_fee_fen": 800})
    assert r.status_code == 200 and r.json()["flat_fee_fen"] == 800
    assert owner.put("/merchant/shipping-rule", {"kind": "flat", "flat_fee_fen": -1}).status_code == 422
    assert owner.put("/merchant/shipping-rule", {"kind": "free_over"}).status_code == 422
    assert api_as(factories.staff(m)).put("/merchant/shipping-rule", {"kind": "free"}).status_code == 403
    assert api_as(factories.user()).get("/merchant/shipping-rule").status_code == 403
