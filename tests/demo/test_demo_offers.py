"""The demo shop's live offers: the coupons, spend tiers and limited-time price of the
README tour exist after `o2o demo`, twice adds nothing, and they price a demo cart."""

from __future__ import annotations

import pytest

from o2o.accounts.models import User
from o2o.catalog.models import Product
from o2o.demo import data, loader
from o2o.marketing import services as marketing
from o2o.marketing.models import CouponTemplate, SkuPrice, SpendTier
from o2o.orders import services as orders

pytestmark = pytest.mark.django_db


def _offers() -> tuple[int, int, int]:
    return CouponTemplate.objects.count(), SpendTier.objects.count(), SkuPrice.objects.count()


def test_the_demo_has_live_coupons_spend_tiers_and_a_limited_time_price():
    summary = loader.load(tokens=False)
    assert summary.offers == len(data.COUPONS) + len(data.SPEND_TIERS) + len(data.SKU_PRICES)
    hotpot = CouponTemplate.objects.get(title="川味坊 满100减20")
    assert (hotpot.merchant.name, hotpot.amount_off_fen, hotpot.threshold_fen) == ("川味坊火锅", 2000, 10000)
    salon = CouponTemplate.objects.get(title="青丝 8折券 最高减50")
    assert (salon.percent_off, salon.max_off_fen, salon.merchant_share_bp) == (20, 5000, 10_000)
    platform = CouponTemplate.objects.get(title="平台通用 无门槛¥5")
    assert platform.merchant is None and platform.merchant_share_bp == 0 and platform.threshold_fen == 0
    assert platform.budget_cap_fen == 5_000_00
    assert sorted(SpendTier.objects.values_list("threshold_fen", "amount_off_fen")) == [(20000, 3000), (40000, 7000)]
    assert SkuPrice.objects.get().sku.product.title == "凤凰单丛茶 乌岽蜜兰香"
    assert loader.load(tokens=False).offers == 0
    assert _offers() == (3, 2, 1)


def test_the_demo_offers_price_a_cart_end_to_end():
    loader.load(tokens=False)
    alice = User.objects.get(username="alice")
    marketing.claim(alice, CouponTemplate.objects.get(title="川味坊 满100减20").public_id)
    marketing.claim(alice, CouponTemplate.objects.get(title="平台通用 无门槛¥5").public_id)
    meal = Product.objects.get(title="重庆火锅双人套餐").skus.get()
    tea = Product.objects.get(title="凤凰单丛茶 乌岽蜜兰香").skus.get()
    orders.add_line(alice, meal.public_id, 1)
    orders.add_line(alice, tea.public_id, 2)  # 2 x ¥138 (limited-time) = ¥276: 满200减30
    price = orders.quote_cart(alice)
    labels = {d.source: [] for d in price.quote.discounts}
    for d in price.quote.discounts:
        labels[d.source].append(d.amount_fen)
    assert labels["price"] == [6000]  # (168 - 138) x 2
    assert labels["tier"] == [3000]
    assert sorted(labels["coupon"]) == [500, 2000]
    assert price.quote.unusable == []
