"""Reads of marketing for the API and the pages. Writes nothing.

Merchant-facing reads take the merchant and never return another merchant's rows;
the counts per template (claimed, used, GMV driven, platform spend) come from the
template's counter and from CouponUse rows of paid orders.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from o2o.catalog.models import Product, ProductKind
from o2o.core import clock
from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.marketing.models import (
    Coupon,
    CouponKind,
    CouponStatus,
    CouponTemplate,
    CouponUse,
    ProductScope,
    PromotionStatus,
    SkuPrice,
    SpendTier,
    TemplateStatus,
    UseState,
)
from o2o.merchants.models import Merchant

#: Wallet tabs -> coupon statuses (a coupon held by an unpaid order shows as available).
WALLET = {
    "available": (CouponStatus.AVAILABLE, CouponStatus.RESERVED),
    "used": (CouponStatus.USED,),
    "expired": (CouponStatus.EXPIRED,),
}


def _paid_sum(column: str) -> Coalesce:
    paid = (CouponUse.objects.filter(template=OuterRef("pk"), state=UseState.PAID)
            .values("template").annotate(s=Sum(column)).values("s"))
    return Coalesce(Subquery(paid, output_field=IntegerField()), Value(0))


def with_counts(qs: QuerySet[CouponTemplate]) -> QuerySet[CouponTemplate]:
    """Annotate used (coupons used), gmv_fen (net of the paid orders that used them),
    discount_fen and platform_spend_fen (what the paid orders got off, and the
    platform's part). `claimed` is the template's own counter."""
    used = (Coupon.objects.filter(template=OuterRef("pk"), status=CouponStatus.USED)
            .values("template").annotate(n=Count("pk")).values("n"))
    return qs.annotate(
        used=Coalesce(Subquery(used, output_field=IntegerField()), Value(0)),
        gmv_fen=_paid_sum("order_net_fen"),
        discount_fen=_paid_sum("amount_fen"),
        platform_spend_fen=_paid_sum("platform_funded_fen"),
    )


def merchant_templates(merchant: Merchant, status: str | None = None) -> QuerySet[CouponTemplate]:
    qs = CouponTemplate.objects.filter(merchant=merchant)
    if status:
        qs = qs.filter(status=status)
    return with_counts(qs.select_related("merchant"))


def merchant_template(merchant: Merchant, public_id: Any) -> CouponTemplate:
    found = merchant_templates(merchant).filter(public_id=public_id).first() \
        if looks_like_id(public_id, "ctp") else None
    if found is None:
        raise NotFound(_("No such coupon template"), "template_not_found")
    return found


def platform_templates(status: str | None = None) -> QuerySet[CouponTemplate]:
    """Templates the platform funds in whole or in part (platform coupons and co-funded
    merchant coupons), with their spend."""
    qs = CouponTemplate.objects.filter(Q(merchant__isnull=True) | Q(merchant_share_bp__lt=10_000))
    if status:
        qs = qs.filter(status=status)
    return with_counts(qs.select_related("merchant"))


def platform_template(public_id: Any) -> CouponTemplate:
    found = platform_templates().filter(public_id=public_id).first() \
        if looks_like_id(public_id, "ctp") else None
    if found is None:
        raise NotFound(_("No such coupon template"), "template_not_found")
    return found


def platform_spend() -> dict[str, int]:
    """The platform's marketing spend over paid orders, and the discount it funded."""
    paid = CouponUse.objects.filter(state=UseState.PAID).aggregate(
        platform=Coalesce(Sum("platform_funded_fen"), 0), total=Coalesce(Sum("amount_fen"), 0))
    return {"platform_funded_fen": paid["platform"], "discount_fen": paid["total"]}


def coupon_centre(*, merchant: str | None = None, product: str | None = None,
                  now: dt.datetime | None = None) -> QuerySet[CouponTemplate]:
    """Templates a customer may claim now, not sold out: everyone's, one merchant's (and
    the platform's), or those that cover one product. Unknown ids give an empty list."""
    now = now or clock.now()
    qs = (CouponTemplate.objects.filter(status=TemplateStatus.ACTIVE, claimable=True,
                                        claim_starts_at__lte=now)
          .filter(Q(claim_ends_at__isnull=True) | Q(claim_ends_at__gt=now))
          .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
          .exclude(claimed__gte=F("total_quantity"))
          .exclude(_budget_spent()).select_related("merchant").order_by("-id"))
    if product is not None:
        p = Product.objects.filter(public_id=product).first() if looks_like_id(product, "prd") else None
        if p is None:
            return qs.none()
        kind = ProductScope.GOODS if p.kind == ProductKind.GOODS else ProductScope.SERVICES
        qs = qs.filter(Q(merchant__isnull=True) | Q(merchant_id=p.merchant_id),
                       product_scope__in=(ProductScope.ALL, kind))
        # JSON scope lists are filtered here: a handful of rows per product page.
        keep = [t.pk for t in qs if _covers(t, p)]
        return qs.filter(pk__in=keep)
    if merchant is not None:
        return qs.filter(Q(merchant__isnull=True) | Q(merchant__public_id=merchant))
    return qs


def _budget_spent() -> Q:
    """The next claim would pass the budget cap (counted at face value, as claims are)."""
    next_claim = F("claimed") + 1
    return Q(budget_cap_fen__isnull=False) & (
        Q(kind=CouponKind.AMOUNT, budget_cap_fen__lt=next_claim * F("amount_off_fen"))
        | Q(kind=CouponKind.PERCENT, max_off_fen__isnull=False,
            budget_cap_fen__lt=next_claim * F("max_off_fen")))


def _covers(t: CouponTemplate, p: Product) -> bool:
    if not (t.product_ids or t.category_ids):
        return True
    return p.pk in t.product_ids or (p.category_id is not None and p.category_id in t.category_ids)


def wallet(customer: Any, status: str | None = None) -> QuerySet[Coupon]:
    qs = Coupon.objects.filter(customer_id=customer.pk).select_related("template", "template__merchant")
    if status:
        qs = qs.filter(status__in=WALLET[status])
    return qs


def customer_coupon(customer: Any, public_id: Any) -> Coupon:
    found = wallet(customer).filter(public_id=public_id).first() if looks_like_id(public_id, "cpn") else None
    if found is None:
        raise NotFound(_("No such coupon"), "coupon_not_found")
    return found


def merchant_tiers(merchant: Merchant) -> QuerySet[SpendTier]:
    return SpendTier.objects.filter(merchant=merchant)


def merchant_prices(merchant: Merchant) -> QuerySet[SkuPrice]:
    return SkuPrice.objects.filter(sku__product__merchant=merchant).select_related("sku", "sku__product")


def live_tiers(merchant_id: int, now: dt.datetime | None = None) -> list[SpendTier]:
    """The spend tiers a storefront shows for a merchant now (满200减30, 满400减70)."""
    now = now or clock.now()
    return list(SpendTier.objects.filter(merchant_id=merchant_id, status=PromotionStatus.ACTIVE,
                                         starts_at__lte=now, ends_at__gt=now).order_by("threshold_fen"))
