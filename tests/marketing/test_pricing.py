"""The pricing pipeline: timed price -> spend tiers -> coupons, allocation to lines,
funding, the best combination, and why a coupon does not apply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone, translation

from o2o.catalog.models import ProductKind
from o2o.core import clock
from o2o.core.errors import Conflict, NotFound
from o2o.marketing import services
from o2o.marketing.labels import coupon_label
from o2o.marketing.models import CouponKind, ProductScope, SkuPrice, SpendTier
from o2o.marketing.pricing import quote
from tests import factories
from tests.marketing import builders as b

pytestmark = pytest.mark.django_db


def _tier(merchant, threshold, off, **kw):
    now = clock.now()
    return SpendTier.objects.create(merchant=merchant, threshold_fen=threshold, amount_off_fen=off,
                                    starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1),
                                    created_at=now, **kw)


def test_no_promotion_prices_the_list_price():
    m = factories.merchant()
    p = factories.product(m, price_fen=1234)
    q = quote(None, [b.line(p, 3)])
    assert (q.subtotal_fen, q.discount_fen, q.net_fen) == (3702, 0, 3702)
    assert q.discounts == [] and q.coupons == []


def test_timed_price_then_best_tier_then_coupon_in_that_order():
    m = factories.merchant()
    customer = factories.user()
    a = factories.product(m, price_fen=15000)
    c = factories.product(m, price_fen=10000)
    now = clock.now()
    SkuPrice.objects.create(sku=a.skus.first(), price_fen=12000, starts_at=now - dt.timedelta(hours=1),
                            ends_at=now + dt.timedelta(hours=1), created_at=now)
    _tier(m, 20000, 3000)
    _tier(m, 40000, 7000)  # not reached: 12000 + 10000 = 22000
    t = b.template(m, amount_off_fen=2000, threshold_fen=19000)
    coupon = services.claim(customer, t.public_id)
    q = quote(customer, [b.line(a, key="a"), b.line(c, key="c")])
    assert [d.source for d in q.discounts] == ["price", "tier", "coupon"]
    assert q.discounts[0].amount_fen == 3000  # 150 -> 120, not counted in discount_fen
    assert q.subtotal_fen == 22000
    assert q.discount_fen == 5000 and q.net_fen == 17000
    assert q.coupons == [coupon.public_id]
    # 3000 over 12000:10000 -> 1636.36 / 1363.63 -> 1636 + 1364 (largest remainder)
    assert [line.discount_fen for line in q.lines] == [1636 + 1091, 1364 + 909]
    assert sum(line.discount_fen for line in q.lines) == q.discount_fen
    assert all(line.merchant_funded_fen == line.discount_fen for line in q.lines)
    assert q.order_totals() == {f"{m.pk}:GOODS": {
        "subtotal_fen": 22000, "discount_fen": 5000, "net_fen": 17000,
        "merchant_funded_fen": 5000, "platform_funded_fen": 0}}


def test_platform_coupon_stacks_on_a_merchant_coupon_and_is_platform_funded():
    m1, m2 = factories.merchant(), factories.merchant()
    customer = factories.user()
    p1, p2 = factories.product(m1, price_fen=10000), factories.product(m2, price_fen=5000)
    own = services.claim(customer, b.template(m1, amount_off_fen=1000, threshold_fen=10000).public_id)
    plat = services.claim(customer, b.template(None, amount_off_fen=1500, threshold_fen=0).public_id)
    q = quote(customer, [b.line(p1, key="1"), b.line(p2, key="2")])
    assert set(q.coupons) == {own.public_id, plat.public_id}
    assert q.discount_fen == 2500
    platform = next(d for d in q.discounts if d.ref == plat.public_id)
    # the platform coupon goes on what is left: 9000 and 5000
    assert platform.by_order == {f"{m1.pk}:GOODS": 964, f"{m2.pk}:GOODS": 536}
    assert platform.platform_funded_fen == 1500 and platform.merchant_id is None
    totals = q.order_totals()
    assert totals[f"{m1.pk}:GOODS"]["merchant_funded_fen"] == 1000
    assert totals[f"{m1.pk}:GOODS"]["platform_funded_fen"] == 964
    assert totals[f"{m2.pk}:GOODS"]["platform_funded_fen"] == 536


def test_split_funding_in_basis_points():
    m = factories.merchant()
    customer = factories.user()
    p = factories.product(m, price_fen=10001)
    t = b.template(m, amount_off_fen=999, threshold_fen=0, merchant_share_bp=3333)
    services.claim(customer, t.public_id)
    q = quote(customer, [b.line(p)])
    d = q.discounts[0]
    assert (d.merchant_funded_fen, d.platform_funded_fen) == (332, 667)  # floor(999*0.3333)
    assert q.lines[0].merchant_funded_fen + q.lines[0].platform_funded_fen == 999


def test_best_combination_beats_the_greedy_choice():
    """Two merchant coupons that fit either of two orders: the best placement is found."""
    m = factories.merchant()
    customer = factories.user()
    goods = factories.product(m, price_fen=30000)
    service = factories.product(m, kind=ProductKind.SERVICE, price_fen=10000)
    wide = services.claim(customer, b.template(m, amount_off_fen=2500, threshold_fen=5000).public_id)
    goods_only = services.claim(customer, b.template(
        m, amount_off_fen=3000, threshold_fen=20000, product_scope=ProductScope.GOODS).public_id)
    q = quote(customer, [b.line(goods, key="g"), b.line(service, key="s")])
    assert set(q.coupons) == {wide.public_id, goods_only.public_id}
    assert q.discount_fen == 5500
    by_ref = {d.ref: d for d in q.discounts}
    assert by_ref[wide.public_id].by_order == {f"{m.pk}:SERVICE": 2500}


def test_percent_coupon_with_cap_and_exclusive_group():
    m = factories.merchant()
    customer = factories.user()
    p = factories.product(m, price_fen=40000)
    pct = services.claim(customer, b.template(m, kind=CouponKind.PERCENT, percent_off=20, max_off_fen=5000,
                                              amount_off_fen=0, threshold_fen=0,
                                              exclusive_group="x").public_id)
    plat = services.claim(customer, b.template(None, amount_off_fen=100, threshold_fen=0,
                                               exclusive_group="x").public_id)
    q = quote(customer, [b.line(p)])
    assert q.coupons == [pct.public_id] and q.discount_fen == 5000  # 8000 capped at 5000
    assert [(u.coupon, u.code) for u in q.unusable] == [(plat.public_id, "exclusive")]
    with pytest.raises(Conflict) as err:
        quote(customer, [b.line(p)], coupons=[pct.public_id, plat.public_id])
    assert err.value.code == "coupon_not_usable" and err.value.details["reason"] == "exclusive"


def test_unusable_coupons_say_why():
    m, other = factories.merchant(), factories.merchant()
    customer = factories.user()
    store = factories.store(m)
    p = factories.product(m, price_fen=8800)
    short = services.claim(customer, b.template(m, amount_off_fen=1000, threshold_fen=10000).public_id)
    elsewhere = services.claim(customer, b.template(other, threshold_fen=0).public_id)
    services_only = services.claim(customer, b.template(
        m, threshold_fen=0, product_scope=ProductScope.SERVICES).public_id)
    at_store = services.claim(customer, b.template(m, threshold_fen=0, store_ids=[store.pk + 999]).public_id)
    q = quote(customer, [b.line(p, store_id=store.pk)])
    why = {u.coupon: (u.code, u.details) for u in q.unusable}
    assert why[short.public_id] == ("below_threshold", {"short_fen": 1200})
    assert why[elsewhere.public_id][0] == "wrong_merchant"
    assert why[services_only.public_id][0] == "out_of_scope"
    assert why[at_store.public_id][0] == "wrong_store"
    assert "12.00" in next(u.message for u in q.unusable if u.coupon == short.public_id)
    later = services.claim(customer, b.template(m, threshold_fen=0, valid_days=None,
                                                valid_from=clock.now() + dt.timedelta(days=1),
                                                valid_until=clock.now() + dt.timedelta(days=30)).public_id)
    q = quote(customer, [b.line(p, store_id=store.pk)])
    (not_yet,) = [u for u in q.unusable if u.coupon == later.public_id]
    assert not_yet.code == "not_started" and not_yet.message.startswith(  # zh: "… 起可用"
        timezone.localtime(later.valid_from).strftime("%Y-%m-%d %H:%M"))
    clock.advance(dt.timedelta(days=40))
    q = quote(customer, [b.line(p, store_id=store.pk)])
    assert {u.code for u in q.unusable} == {"expired"}


def test_explicit_coupon_list_is_exactly_those_or_refused():
    m, other = factories.merchant(), factories.merchant()
    customer, stranger = factories.user(), factories.user()
    p = factories.product(m, price_fen=20000)
    mine = services.claim(customer, b.template(m, threshold_fen=0).public_id)
    theirs = services.claim(stranger, b.template(m, threshold_fen=0).public_id)
    wrong = services.claim(customer, b.template(other, threshold_fen=0).public_id)
    assert quote(customer, [b.line(p)], coupons=[]).discount_fen == 0
    assert quote(customer, [b.line(p)], coupons=[mine.public_id]).coupons == [mine.public_id]
    with pytest.raises(NotFound) as err:
        quote(customer, [b.line(p)], coupons=[theirs.public_id])
    assert err.value.code == "coupon_not_found"
    with pytest.raises(Conflict) as err:
        quote(customer, [b.line(p)], coupons=[wrong.public_id])
    assert err.value.details["reason"] == "wrong_merchant"
    with transaction.atomic():
        services.reserve_coupons(customer, [mine.public_id], checkout_group="g",
                                 order_pks_by_coupon={mine.public_id: [1]})
    with pytest.raises(Conflict) as err:  # held by an unpaid order (or used): not usable again
        quote(customer, [b.line(p)], coupons=[mine.public_id])
    assert (err.value.code, err.value.details["reason"]) == ("coupon_not_usable", "not_available")


def test_a_large_wallet_is_searched_over_a_shortlist_and_still_finds_the_best():
    m, other = factories.merchant(), factories.merchant()
    customer = factories.user()
    lines = [b.line(factories.product(m, price_fen=50000), key="g"),
             b.line(factories.product(m, kind=ProductKind.SERVICE, price_fen=50000), key="s"),
             b.line(factories.product(other, price_fen=50000), key="o")]
    for off in range(100, 900, 100):  # 8 coupons fit each order and 8 platform ones: 9^4 > 4096
        for merchant, scope in ((m, ProductScope.GOODS), (m, ProductScope.SERVICES), (other, ProductScope.ALL),
                                (None, ProductScope.ALL)):
            services.claim(customer, b.template(merchant, amount_off_fen=off, threshold_fen=0,
                                                product_scope=scope).public_id)
    q = quote(customer, lines)
    assert len(q.coupons) == 4 and q.discount_fen == 4 * 800


def test_labels_and_reasons_read_in_chinese():
    m = factories.merchant()
    customer = factories.user()
    p = factories.product(m, price_fen=8800)
    services.claim(customer, b.template(m, amount_off_fen=2000, threshold_fen=10000).public_id)
    pct = b.template(m, kind=CouponKind.PERCENT, percent_off=15, max_off_fen=5000, amount_off_fen=0,
                     threshold_fen=0)
    _tier(m, 8000, 500)
    with translation.override("zh-hans"):
        q = quote(customer, [b.line(p)])
        assert q.discounts[0].label == "满80减5"
        assert q.unusable[0].message == "还差 ¥17.00 可用"  # 100 - (88 - 5)
        assert coupon_label(pct).startswith("8.5折券")
