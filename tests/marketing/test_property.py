"""Properties of the pricing pipeline over random carts, spend tiers, limited-time
prices and coupons: allocations sum exactly, no line goes negative, no order that costs
something goes below 1 fen, funding parts sum to the discount, and the best combination
is at least as good as every allowed one."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from o2o.catalog.models import ProductKind
from o2o.core import clock
from o2o.core.errors import Conflict
from o2o.marketing import services
from o2o.marketing.allocation import allocate
from o2o.marketing.models import CouponKind, ProductScope, SkuPrice, SpendTier
from o2o.marketing.pricing import quote
from tests import factories
from tests.marketing import builders as b


@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=12), st.data())
def test_allocation_is_exact_and_never_exceeds_a_weight(weights, data):
    total = sum(weights)
    amount = data.draw(st.integers(0, total)) if total else 0
    parts = allocate(amount, weights)
    assert sum(parts) == amount
    assert all(0 <= p <= w for p, w in zip(parts, weights, strict=True))
    # proportional to within one fen
    if total:
        assert all(abs(p * total - amount * w) < total for p, w in zip(parts, weights, strict=True))


coupon_st = st.fixed_dictionaries({
    "merchant": st.sampled_from([0, 1, None]),  # index of the merchant, None: platform
    "kind": st.sampled_from([CouponKind.AMOUNT, CouponKind.PERCENT]),
    "amount": st.integers(1, 30000),
    "percent": st.integers(1, 99),
    "cap": st.one_of(st.none(), st.integers(1, 20000)),
    "threshold": st.sampled_from([0, 5000, 10000, 30000, 80000]),
    "scope": st.sampled_from(list(ProductScope.values)),
    "share": st.sampled_from([0, 2500, 3333, 10000]),
    "group": st.sampled_from(["", "", "a", "b"]),
})
cart_st = st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3)), min_size=1, max_size=5,
                   unique_by=lambda t: t[0])


@pytest.fixture
def world(db):
    merchants = [factories.merchant(), factories.merchant()]
    products = [
        factories.product(merchants[0], price_fen=12345),
        factories.product(merchants[0], kind=ProductKind.SERVICE, price_fen=8800),
        factories.product(merchants[1], price_fen=99),
        factories.product(merchants[1], kind=ProductKind.SERVICE, price_fen=45600),
    ]
    return merchants, products, factories.user()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cart=cart_st, coupons=st.lists(coupon_st, max_size=4),
       tiers=st.lists(st.tuples(st.integers(0, 1), st.integers(1, 600), st.integers(1, 100)), max_size=3),
       timed=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 99)), max_size=2))
# always tried: a ¥5 no-threshold coupon on the 99 fen item and a platform one over both
# merchants (the orders' floor of 1 fen)
@example(cart=[(2, 1), (0, 1)], tiers=[], timed=[], coupons=[
    {"merchant": 1, "kind": CouponKind.AMOUNT, "amount": 500, "percent": 1, "cap": None, "threshold": 0,
     "scope": ProductScope.ALL, "share": 10000, "group": ""},
    {"merchant": None, "kind": CouponKind.AMOUNT, "amount": 30000, "percent": 1, "cap": None,
     "threshold": 0, "scope": ProductScope.ALL, "share": 0, "group": ""}])
def test_quotes_allocate_exactly_and_pick_the_best_combination(world, cart, coupons, tiers, timed):
    merchants, products, customer = world
    now = clock.now()
    window = {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(hours=1)}
    with transaction.atomic():
        for m, threshold_yuan, off_pct in tiers:
            threshold = threshold_yuan * 100
            SpendTier.objects.create(merchant=merchants[m], threshold_fen=threshold,
                                     amount_off_fen=max(1, threshold * off_pct // 100), created_at=now, **window)
        for p, pct in timed:
            sku = products[p].skus.get()
            SkuPrice.objects.get_or_create(sku=sku, defaults={"price_fen": sku.price_fen * pct // 100,
                                                              "created_at": now, **window})
        for c in coupons:
            merchant = merchants[c["merchant"]] if c["merchant"] is not None else None
            t = b.template(merchant, kind=c["kind"], amount_off_fen=c["amount"], percent_off=c["percent"],
                           max_off_fen=c["cap"], threshold_fen=max(c["threshold"], c["amount"])
                           if c["kind"] == CouponKind.AMOUNT and c["threshold"] else c["threshold"],
                           product_scope=c["scope"], exclusive_group=c["group"],
                           merchant_share_bp=c["share"] if merchant is not None else 0)
            services.claim(customer, t.public_id)
        lines = [b.line(products[p], q, key=str(i)) for i, (p, q) in enumerate(cart)]
        best = quote(customer, lines)
        _holds(best)
        wallet = [u.coupon for u in best.unusable] + best.coupons
        for size in range(1, min(3, len(wallet)) + 1):
            for combo in itertools.combinations(wallet, size):
                try:
                    other = quote(customer, lines, coupons=list(combo))
                except Conflict as exc:
                    assert exc.code == "coupon_not_usable"
                    continue
                _holds(other)
                assert other.discount_fen <= best.discount_fen, (combo, best.coupons)
        transaction.set_rollback(True)


def _holds(q) -> None:
    assert sum(line.discount_fen for line in q.lines) == q.discount_fen
    counted = [d for d in q.discounts if d.source != "price"]
    assert sum(d.amount_fen for d in counted) == q.discount_fen
    for line in q.lines:
        assert 0 <= line.discount_fen <= line.subtotal_fen
        assert line.net_fen == line.subtotal_fen - line.discount_fen >= 0
        assert line.merchant_funded_fen + line.platform_funded_fen == line.discount_fen
        assert line.merchant_funded_fen >= 0 and line.platform_funded_fen >= 0
    for d in q.discounts:
        assert sum(d.by_order.values()) == d.amount_fen
        assert sum(d.merchant_by_order.values()) == d.merchant_funded_fen
        assert d.merchant_funded_fen + d.platform_funded_fen == d.amount_fen
    totals = q.order_totals()
    assert sum(t["net_fen"] for t in totals.values()) == q.net_fen
    # WeChat Pay's minimum: discounts never take an order that costs something below 1 fen
    assert all(t["net_fen"] >= 1 for t in totals.values() if t["subtotal_fen"] >= 1), totals
    assert sum(t["merchant_funded_fen"] + t["platform_funded_fen"] for t in totals.values()) == q.discount_fen
