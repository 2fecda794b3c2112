"""API shapes of coupon templates, coupons, spend tiers and limited-time prices, and the
functions that fill them. Writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from o2o.core.schemas import Schema
from o2o.marketing.labels import coupon_label, tier_label
from o2o.marketing.models import Coupon, CouponTemplate, SkuPrice, SpendTier

Id = Field(max_length=40)
Fen = int  # bounds are the services' (negative_amount ...), so the codes are theirs


class _FromModel(Schema):
    """Shapes a model instance with `shape` first (paginated lists pass instances)."""

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        model, shape = cls._shaper()
        obj = getattr(data, "_obj", data)  # ninja hands over its DjangoGetter wrapper
        return shape(obj) if isinstance(obj, model) else data

    @classmethod
    def _shaper(cls) -> tuple[type, Any]:
        return type(None), None


# --- templates -----------------------------------------------------------------------

class TemplateIn(Schema):
    title: str = Field(min_length=1, max_length=60)
    kind: Literal["amount", "percent"]
    amount_off_fen: Fen = 0
    percent_off: int = 0
    max_off_fen: Fen | None = None
    threshold_fen: Fen = 0
    product_scope: Literal["all", "goods", "services"] = "all"
    products: list[str] = Field(default_factory=list, max_length=200)
    categories: list[str] = Field(default_factory=list, max_length=200)
    stores: list[str] = Field(default_factory=list, max_length=200)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    valid_days: int | None = None
    claim_starts_at: AwareDatetime | None = None
    claim_ends_at: AwareDatetime | None = None
    total_quantity: int = 100
    per_customer_limit: int = 1
    new_customers_only: bool = False
    claimable: bool = True
    exclusive_group: str = Field(default="", max_length=32)
    return_on_refund: bool = False
    merchant_share_bp: int | None = None


class PlatformTemplateIn(TemplateIn):
    merchant: str | None = Field(default=None, max_length=40)  # co-fund this merchant's coupon
    budget_cap_fen: Fen | None = None


class TemplatePatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=60)
    total_quantity: int | None = None
    claim_ends_at: AwareDatetime | None = None


class PlatformTemplatePatch(TemplatePatch):
    budget_cap_fen: Fen | None = None


class TemplateOut(_FromModel):
    @classmethod
    def _shaper(cls) -> tuple[type, Any]:
        return CouponTemplate, template_dict

    id: str
    merchant_id: str | None
    title: str
    label: str
    kind: str
    amount_off_fen: int
    percent_off: int
    max_off_fen: int | None
    threshold_fen: int
    product_scope: str
    scoped_products: int
    scoped_categories: int
    scoped_stores: int
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    valid_days: int | None
    claim_starts_at: dt.datetime
    claim_ends_at: dt.datetime | None
    total_quantity: int
    claimed: int
    per_customer_limit: int
    new_customers_only: bool
    claimable: bool
    exclusive_group: str
    return_on_refund: bool
    merchant_share_bp: int
    budget_cap_fen: int | None
    status: str
    used: int
    gmv_fen: int
    discount_fen: int
    platform_spend_fen: int
    created_at: dt.datetime


def template_dict(t: CouponTemplate) -> dict:
    return {
        "id": t.public_id, "merchant_id": t.merchant.public_id if t.merchant_id else None,
        "title": t.title, "label": coupon_label(t), "kind": t.kind, "amount_off_fen": t.amount_off_fen,
        "percent_off": t.percent_off, "max_off_fen": t.max_off_fen, "threshold_fen": t.threshold_fen,
        "product_scope": t.product_scope, "scoped_products": len(t.product_ids),
        "scoped_categories": len(t.category_ids), "scoped_stores": len(t.store_ids),
        "valid_from": t.valid_from, "valid_until": t.valid_until, "valid_days": t.valid_days,
        "claim_starts_at": t.claim_starts_at, "claim_ends_at": t.claim_ends_at,
        "total_quantity": t.total_quantity, "claimed": t.claimed, "per_customer_limit": t.per_customer_limit,
        "new_customers_only": t.new_customers_only, "claimable": t.claimable,
        "exclusive_group": t.exclusive_group, "return_on_refund": t.return_on_refund,
        "merchant_share_bp": t.merchant_share_bp, "budget_cap_fen": t.budget_cap_fen, "status": t.status,
        "used": getattr(t, "used", 0), "gmv_fen": getattr(t, "gmv_fen", 0),
        "discount_fen": getattr(t, "discount_fen", 0),
        "platform_spend_fen": getattr(t, "platform_spend_fen", 0), "created_at": t.created_at,
    }


class OfferOut(_FromModel):
    """A template as the coupon centre and product pages show it."""

    @classmethod
    def _shaper(cls) -> tuple[type, Any]:
        return CouponTemplate, offer_dict

    id: str
    merchant_id: str | None
    merchant_name: str | None
    title: str
    label: str
    threshold_fen: int
    remaining: int
    valid_until: dt.datetime | None
    valid_days: int | None
    new_customers_only: bool


def offer_dict(t: CouponTemplate) -> dict:
    return {
        "id": t.public_id, "merchant_id": t.merchant.public_id if t.merchant_id else None,
        "merchant_name": t.merchant.name if t.merchant_id else None, "title": t.title,
        "label": coupon_label(t), "threshold_fen": t.threshold_fen,
        "remaining": t.total_quantity - t.claimed, "valid_until": t.valid_until,
        "valid_days": t.valid_days, "new_customers_only": t.new_customers_only,
    }


# --- coupons -------------------------------------------------------------------------

class ClaimIn(Schema):
    template: str = Id
    source: Literal["product_page", "coupon_centre", "link"] = "coupon_centre"


class CouponOut(_FromModel):
    @classmethod
    def _shaper(cls) -> tuple[type, Any]:
        return Coupon, coupon_dict

    id: str
    template_id: str
    merchant_id: str | None
    title: str
    label: str
    status: str
    source: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    claimed_at: dt.datetime
    used_at: dt.datetime | None


def coupon_dict(c: Coupon) -> dict:
    t = c.template
    return {
        "id": c.public_id, "template_id": t.public_id,
        "merchant_id": t.merchant.public_id if t.merchant_id else None, "title": t.title,
        "label": coupon_label(t), "status": c.status, "source": c.source, "valid_from": c.valid_from,
        "valid_until": c.valid_until, "claimed_at": c.claimed_at, "used_at": c.used_at,
    }


class GrantIn(Schema):
    customers: list[str] = Field(min_length=1, max_length=1000)


class Skipped(Schema):
    customer: str
    code: str


class GrantOut(Schema):
    granted: list[str]
    skipped: list[Skipped]


class SpendOut(Schema):
    platform_funded_fen: int
    discount_fen: int


# --- promotions ----------------------------------------------------------------------

class TierIn(Schema):
    threshold_fen: Fen
    amount_off_fen: Fen
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class TierOut(_FromModel):
    @classmethod
    def _shaper(cls) -> tuple[type, Any]:
        return SpendTier, tier_dict

    id: str
    label: str
    threshold_fen: int
    amount_off_fen: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str


def tier_dict(t: SpendTier) -> dict:
    return {"id": t.public_id, "label": tier_label(t.threshold_fen, t.amount_off_fen),
            "threshold_fen": t.threshold_fen, "amount_off_fen": t.amount_off_fen,
            "starts_at": t.starts_at, "ends_at": t.ends_at, "status": t.status}


class PriceIn(Schema):
    sku: str = Id
    price_fen: Fen
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class PriceOut(_FromModel):
    @classmethod
    def _shaper(cls) -> tuple[type, Any]:
        return SkuPrice, price_dict

    id: str
    sku_id: str
    product_id: str
    price_fen: int
    list_price_fen: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str


def price_dict(p: SkuPrice) -> dict:
    return {"id": p.public_id, "sku_id": p.sku.public_id, "product_id": p.sku.product.public_id,
            "price_fen": p.price_fen, "list_price_fen": p.sku.price_fen, "starts_at": p.starts_at,
            "ends_at": p.ends_at, "status": p.status}
