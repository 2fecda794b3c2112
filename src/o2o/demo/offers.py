"""The demo's live offers, through marketing.manage like the console and the API: a
merchant 满100减20 coupon, an 8折 coupon capped at ¥50, a platform-funded ¥5 coupon
without threshold under a budget cap, the 满200减30 / 满400减70 spend tiers and one
limited-time SKU price. Idempotent: an offer is looked up first (a template by its
merchant and title, a tier by its amounts, a price by its SKU) and added only when no
live one exists, so loading the demo twice adds nothing."""

from __future__ import annotations

import datetime as dt

from o2o.accounts.models import User
from o2o.catalog.models import Sku
from o2o.core import clock
from o2o.demo import data
from o2o.marketing import manage
from o2o.marketing.manage import TemplateSpec
from o2o.marketing.models import (
    CouponTemplate,
    PromotionStatus,
    SkuPrice,
    SpendTier,
    TemplateStatus,
)
from o2o.merchants.models import Merchant


def load(operator: User, merchants: dict[str, Merchant]) -> int:
    """Adds the offers that are missing; returns how many were added."""
    now = clock.now()
    added = 0
    for spec in data.COUPONS:
        merchant = merchants[spec["merchant"]] if spec["merchant"] else None
        if CouponTemplate.objects.filter(merchant=merchant, title=spec["title"],
                                         status=TemplateStatus.ACTIVE).exists():
            continue
        fields = {k: v for k, v in spec.items() if k != "merchant"}
        actor = merchant.owner if merchant else operator
        manage.create_template(actor, TemplateSpec(**fields, claim_starts_at=now - dt.timedelta(minutes=1)),
                               merchant=merchant, by_platform=merchant is None)
        added += 1
    for key, threshold, off, days in data.SPEND_TIERS:
        merchant = merchants[key]
        if SpendTier.objects.filter(merchant=merchant, threshold_fen=threshold, amount_off_fen=off,
                                    status=PromotionStatus.ACTIVE, ends_at__gt=now).exists():
            continue
        manage.create_tier(merchant, threshold_fen=threshold, amount_off_fen=off,
                           starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(days=days))
        added += 1
    for key, title, price, days in data.SKU_PRICES:
        merchant = merchants[key]
        sku = Sku.objects.filter(product__merchant=merchant, product__title=title, is_active=True) \
            .order_by("position", "pk").first()
        if sku is None or SkuPrice.objects.filter(sku=sku, status=PromotionStatus.ACTIVE, ends_at__gt=now).exists():
            continue
        manage.create_sku_price(merchant, sku=sku.public_id, price_fen=price,
                                starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(days=days))
        added += 1
    return added
