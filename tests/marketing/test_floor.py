"""No order is discounted below 1 fen (WeChat Pay refuses a total below 1 fen): spend
tiers and coupons together take at most subtotal - 1 off each order, allocated and
funded exactly, and a coupon used that way is still consumed whole."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import Conflict
from o2o.ledger import services as ledger
from o2o.ledger.services import check
from o2o.marketing import services
from o2o.marketing.models import Coupon, CouponStatus, CouponUse, SpendTier
from o2o.marketing.pricing import quote
from o2o.orders.models import Order, OrderStatus
from tests import factories
from tests.ledger.helpers import drain, gateway, pay  # noqa: F401  (gateway is a fixture)
from tests.marketing import builders as b
from tests.orders import builders as ob

pytestmark = pytest.mark.django_db


def _tier(merchant, threshold, off):
    now = clock.now()
    return SpendTier.objects.create(merchant=merchant, threshold_fen=threshold, amount_off_fen=off,
                                    starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1),
                                    created_at=now)


def test_a_5_yuan_coupon_on_a_3_yuan_item_leaves_1_fen():
    m = factories.merchant()
    customer = factories.user()
    p = factories.product(m, price_fen=300)
    coupon = services.claim(customer, b.template(m, amount_off_fen=500, threshold_fen=0).public_id)
    q = quote(customer, [b.line(p)])
    assert q.coupons == [coupon.public_id]
    assert (q.subtotal_fen, q.discount_fen, q.net_fen) == (300, 299, 1)
    (applied,) = q.discounts
    assert applied.amount_fen == 299 and applied.by_order == {f"{m.pk}:GOODS": 299}


def test_tier_and_coupon_together_stop_at_1_fen_and_the_split_is_exact():
    m = factories.merchant()
    customer = factories.user()
    a, c = factories.product(m, price_fen=250), factories.product(m, price_fen=150)
    _tier(m, 400, 300)  # 400 -> 100
    # a 70/30 co-funded ¥2 coupon fits only 99 fen: 69 merchant (rounded down), 30 platform
    coupon = services.claim(customer, b.template(m, amount_off_fen=200, threshold_fen=0,
                                                 merchant_share_bp=7000).public_id)
    q = quote(customer, [b.line(a, key="a"), b.line(c, key="c")])
    assert q.coupons == [coupon.public_id]
    assert (q.subtotal_fen, q.discount_fen, q.net_fen) == (400, 399, 1)
    applied = next(d for d in q.discounts if d.source == "coupon")
    assert (applied.amount_fen, applied.merchant_funded_fen, applied.platform_funded_fen) == (99, 69, 30)
    assert sum(line.net_fen for line in q.lines) == 1 and all(line.net_fen >= 0 for line in q.lines)
    assert sum(line.platform_funded_fen for line in q.lines) == 30


def test_a_platform_coupon_leaves_1_fen_in_each_order():
    m1, m2 = factories.merchant(), factories.merchant()
    customer = factories.user()
    p1, p2 = factories.product(m1, price_fen=100), factories.product(m2, price_fen=100)
    services.claim(customer, b.template(None, amount_off_fen=10000, threshold_fen=0).public_id)
    q = quote(customer, [b.line(p1, key="1"), b.line(p2, key="2")])
    (applied,) = q.discounts
    # the plain split of 199 over 100:100 would give one order 100 (0 fen left)
    assert applied.by_order == {f"{m1.pk}:GOODS": 99, f"{m2.pk}:GOODS": 99}
    assert {k: t["net_fen"] for k, t in q.order_totals().items()} == {f"{m1.pk}:GOODS": 1, f"{m2.pk}:GOODS": 1}


def test_a_coupon_that_could_take_nothing_off_is_not_used():
    m = factories.merchant()
    customer = factories.user()
    p = factories.product(m, price_fen=300)
    _tier(m, 300, 300)  # the tier alone takes the order to 1 fen
    coupon = services.claim(customer, b.template(m, amount_off_fen=100, threshold_fen=0).public_id)
    q = quote(customer, [b.line(p)])
    assert (q.discount_fen, q.net_fen, q.coupons) == (299, 1, [])
    with pytest.raises(Conflict) as err:
        quote(customer, [b.line(p)], coupons=[coupon.public_id])
    assert err.value.details["reason"] == "below_threshold"


def test_checkout_charges_1_fen_the_order_pays_and_the_coupon_is_used(api_as, gateway):  # noqa: F811
    m = factories.merchant()
    sku = ob.goods(m, price_fen=300, stock=5, title="Sticker")
    customer = factories.user()
    coupon = services.claim(customer, b.template(m, amount_off_fen=500, threshold_fen=0).public_id)
    api = api_as(customer)
    assert api.post("/cart/lines", {"sku": sku.public_id}).status_code == 201
    r = api.post("/checkout/quote", {})
    assert r.status_code == 200, r.content
    quoted = r.json()
    assert (quoted["subtotal_fen"], quoted["discount_fen"], quoted["shipping_fee_fen"]) == (300, 299, 0)
    assert quoted["total_fen"] == 1
    r = api.post("/checkout", {"shipping_address": ob.ADDRESS})
    assert r.status_code == 201, r.content
    assert r.json()["total_fen"] == 1
    order = Order.objects.get(checkout_group=r.json()["checkout_group"])
    assert (order.total_fen, order.discount_fen) == (1, 299)
    assert CouponUse.objects.get(coupon=coupon).amount_fen == 299  # the rest of its ¥5 is lost
    pay(order)
    assert gateway.calls[-1].amount_fen == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Coupon.objects.get(pk=coupon.pk).status == CouponStatus.USED
    drain()
    ledger.relay_pending()
    assert check.entries_balance() == [] and check.orders_priced() == []
    assert check.marketing_spend_matches() == []
