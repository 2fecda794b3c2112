"""Builders of marketing test data: templates through marketing.manage once it exists,
pricing lines from real catalog rows."""

from __future__ import annotations

import datetime as dt

from o2o.catalog.models import Product
from o2o.core import clock
from o2o.marketing.models import FULL_BP, CouponKind, CouponTemplate
from o2o.marketing.pricing import PricingLine
from o2o.merchants.models import Merchant
from tests import factories


def template(merchant: Merchant | None, *, kind: str = CouponKind.AMOUNT, amount_off_fen: int = 2000,
             threshold_fen: int = 10000, percent_off: int = 0, max_off_fen: int | None = None,
             total_quantity: int = 100, per_customer_limit: int = 1, valid_days: int | None = 7,
             merchant_share_bp: int | None = None, **fields) -> CouponTemplate:
    now = clock.now()
    if merchant_share_bp is None:
        merchant_share_bp = FULL_BP if merchant is not None else 0
    if valid_days is None:
        fields.setdefault("valid_from", now)
        fields.setdefault("valid_until", now + dt.timedelta(days=7))
    return CouponTemplate.objects.create(
        merchant=merchant, title="coupon", kind=kind, amount_off_fen=amount_off_fen,
        threshold_fen=threshold_fen, percent_off=percent_off, max_off_fen=max_off_fen,
        total_quantity=total_quantity, per_customer_limit=per_customer_limit, valid_days=valid_days,
        merchant_share_bp=merchant_share_bp, claim_starts_at=now - dt.timedelta(minutes=1),
        created_by=factories.operator(), created_at=now, updated_at=now, **fields)


def line(product: Product, quantity: int = 1, *, key: str | None = None, store_id: int | None = None,
         price_fen: int | None = None) -> PricingLine:
    sku = product.skus.first()
    return PricingLine(
        key=key or str(product.pk), merchant_id=product.merchant_id,
        order_key=f"{product.merchant_id}:{product.kind}", sku_id=sku.pk, product_id=product.pk,
        category_id=product.category_id, kind=product.kind, store_id=store_id,
        list_unit_price_fen=sku.price_fen if price_fen is None else price_fen, quantity=quantity)
