"""Coupons for customers (coupon centre, claim, wallet), offers for merchants (coupon
templates, spend tiers, limited-time prices) and platform coupons for operators.
Thin: parse, authorize, call marketing.services / marketing.manage, shape the answer."""

from typing import Literal

from ninja import Query, Router, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema
from o2o.marketing import manage, selectors, services
from o2o.marketing.manage import TemplateSpec
from o2o.marketing.models import CouponTemplate
from o2o.marketing.schemas import (
    ClaimIn,
    CouponOut,
    GrantIn,
    GrantOut,
    OfferOut,
    PlatformTemplateIn,
    PlatformTemplatePatch,
    PriceIn,
    PriceOut,
    SpendOut,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
    TierIn,
    TierOut,
)
from o2o.merchants.access import merchant_of, require_customer, require_operator
from o2o.merchants.selectors import operator_merchant

router = Router(tags=["marketing"], auth=api_auth)


# --- customers ------------------------------------------------------------------------

class CentreFilter(Schema):
    merchant: str | None = None
    product: str | None = None


@router.get("/coupon-centre", response={200: list[OfferOut], **ERRORS}, auth=None)
@paginate(Cursor)
def coupon_centre(request, filters: Query[CentreFilter]):
    """Coupons that can be claimed now: everyone's, a merchant's (with the platform's),
    or those covering a product."""
    return selectors.coupon_centre(merchant=filters.merchant, product=filters.product)


@router.post("/coupons/claim", response={201: CouponOut, **ERRORS})
def claim(request, body: ClaimIn):
    """Claim one coupon of a template (领券) from a product page, the coupon centre or a link."""
    customer = require_customer(request.auth)
    coupon = services.claim(customer, body.template, source=body.source)
    return Status(201, selectors.customer_coupon(customer, coupon.public_id))


class WalletFilter(Schema):
    status: Literal["available", "used", "expired"] | None = None


@router.get("/me/coupons", response={200: list[CouponOut], **ERRORS})
@paginate(Cursor)
def my_coupons(request, filters: Query[WalletFilter]):
    """The customer's coupons, newest first: status=available (held by an unpaid order
    included), used or expired."""
    return selectors.wallet(require_customer(request.auth), filters.status)


# --- merchants -----------------------------------------------------------------------

def _spec(body: TemplateIn) -> TemplateSpec:
    data = body.dict(exclude={"merchant"})
    data["products"], data["categories"], data["stores"] = (
        data.pop("products"), data.pop("categories"), data.pop("stores"))
    return TemplateSpec(**data)


class TemplateFilter(Schema):
    status: str | None = None


@router.get("/merchant/coupon-templates", response={200: list[TemplateOut], **ERRORS}, tags=["merchant"])
@paginate(Cursor)
def merchant_templates(request, filters: Query[TemplateFilter]):
    """The merchant's coupon templates with claimed, used and GMV driven."""
    return selectors.merchant_templates(merchant_of(request.auth), filters.status)


@router.post("/merchant/coupon-templates", response={201: TemplateOut, **ERRORS}, tags=["merchant"])
def create_merchant_template(request, body: TemplateIn):
    merchant = merchant_of(request.auth, owner_only=True)
    t = manage.create_template(request.auth, _spec(body), merchant=merchant, by_platform=False)
    return Status(201, selectors.merchant_template(merchant, t.public_id))


@router.get("/merchant/coupon-templates/{template_id}", response={200: TemplateOut, **ERRORS},
            tags=["merchant"])
def merchant_template(request, template_id: str):
    return selectors.merchant_template(merchant_of(request.auth), template_id)


@router.patch("/merchant/coupon-templates/{template_id}", response={200: TemplateOut, **ERRORS},
              tags=["merchant"])
def update_merchant_template(request, template_id: str, body: TemplatePatch):
    merchant = merchant_of(request.auth, owner_only=True)
    t = selectors.merchant_template(merchant, template_id)
    manage.update_template(t, **body.dict(exclude_unset=True), by_platform=False)
    return selectors.merchant_template(merchant, template_id)


def _move_mine(request, template_id: str, action: str) -> CouponTemplate:
    merchant = merchant_of(request.auth, owner_only=True)
    manage.move_template(selectors.merchant_template(merchant, template_id), action)
    return selectors.merchant_template(merchant, template_id)


@router.post("/merchant/coupon-templates/{template_id}/pause", response={200: TemplateOut, **ERRORS},
             tags=["merchant"])
def pause_merchant_template(request, template_id: str):
    """Claims stop until resumed; claimed coupons stay valid."""
    return _move_mine(request, template_id, "pause")


@router.post("/merchant/coupon-templates/{template_id}/resume", response={200: TemplateOut, **ERRORS},
             tags=["merchant"])
def resume_merchant_template(request, template_id: str):
    return _move_mine(request, template_id, "resume")


@router.post("/merchant/coupon-templates/{template_id}/stop", response={200: TemplateOut, **ERRORS},
             tags=["merchant"])
def stop_merchant_template(request, template_id: str):
    """Claims stop for good; claimed coupons stay valid."""
    return _move_mine(request, template_id, "stop")


@router.post("/merchant/coupon-templates/{template_id}/grants", response={200: GrantOut, **ERRORS},
             tags=["merchant"])
def merchant_grant(request, template_id: str, body: GrantIn):
    """Give a coupon to each listed customer (one each; skipped ones say why)."""
    t = selectors.merchant_template(merchant_of(request.auth, owner_only=True), template_id)
    return _grant(t, body.customers)


def _grant(template: CouponTemplate, customers: list[str]) -> dict:
    result = services.grant_public(template, customers)
    return {"granted": result.granted,
            "skipped": [{"customer": c, "code": code} for c, code in result.skipped.items()]}


@router.get("/merchant/spend-tiers", response={200: list[TierOut], **ERRORS}, tags=["merchant"])
@paginate(Cursor)
def merchant_tiers(request):
    return selectors.merchant_tiers(merchant_of(request.auth))


@router.post("/merchant/spend-tiers", response={201: TierOut, **ERRORS}, tags=["merchant"])
def create_tier(request, body: TierIn):
    """A spend tier (满200减30): the merchant's lines of a checkout reaching the threshold."""
    merchant = merchant_of(request.auth, owner_only=True)
    return Status(201, manage.create_tier(merchant, **body.dict()))


@router.post("/merchant/spend-tiers/{tier_id}/stop", response={200: TierOut, **ERRORS}, tags=["merchant"])
def stop_tier(request, tier_id: str):
    return manage.stop_tier(merchant_of(request.auth, owner_only=True), tier_id)


@router.get("/merchant/sku-prices", response={200: list[PriceOut], **ERRORS}, tags=["merchant"])
@paginate(Cursor)
def merchant_prices(request):
    return selectors.merchant_prices(merchant_of(request.auth))


@router.post("/merchant/sku-prices", response={201: PriceOut, **ERRORS}, tags=["merchant"])
def create_price(request, body: PriceIn):
    """A limited-time price of a SKU (限时折扣) from starts_at until ends_at."""
    merchant = merchant_of(request.auth, owner_only=True)
    return Status(201, manage.create_sku_price(merchant, **body.dict()))


@router.post("/merchant/sku-prices/{price_id}/stop", response={200: PriceOut, **ERRORS}, tags=["merchant"])
def stop_price(request, price_id: str):
    return manage.stop_sku_price(merchant_of(request.auth, owner_only=True), price_id)


# --- operators -----------------------------------------------------------------------

@router.get("/operator/coupon-templates", response={200: list[TemplateOut], **ERRORS}, tags=["operator"])
@paginate(Cursor)
def platform_templates(request, filters: Query[TemplateFilter]):
    """Templates the platform funds, with their spend (platform_spend_fen) and budget cap."""
    require_operator(request.auth)
    return selectors.platform_templates(filters.status)


@router.get("/operator/marketing/spend", response={200: SpendOut, **ERRORS}, tags=["operator"])
def platform_spend(request):
    require_operator(request.auth)
    return selectors.platform_spend()


@router.post("/operator/coupon-templates", response={201: TemplateOut, **ERRORS}, tags=["operator"])
def create_platform_template(request, body: PlatformTemplateIn):
    operator = require_operator(request.auth)
    merchant = operator_merchant(body.merchant) if body.merchant is not None else None
    spec = _spec(body)
    spec.budget_cap_fen = body.budget_cap_fen
    t = manage.create_template(operator, spec, merchant=merchant, by_platform=True)
    return Status(201, selectors.platform_template(t.public_id))


@router.get("/operator/coupon-templates/{template_id}", response={200: TemplateOut, **ERRORS},
            tags=["operator"])
def platform_template(request, template_id: str):
    require_operator(request.auth)
    return selectors.platform_template(template_id)


@router.patch("/operator/coupon-templates/{template_id}", response={200: TemplateOut, **ERRORS},
              tags=["operator"])
def update_platform_template(request, template_id: str, body: PlatformTemplatePatch):
    require_operator(request.auth)
    manage.update_template(selectors.platform_template(template_id), **body.dict(exclude_unset=True),
                           by_platform=True)
    return selectors.platform_template(template_id)


def _move_platform(request, template_id: str, action: str) -> CouponTemplate:
    require_operator(request.auth)
    manage.move_template(selectors.platform_template(template_id), action)
    return selectors.platform_template(template_id)


@router.post("/operator/coupon-templates/{template_id}/pause", response={200: TemplateOut, **ERRORS},
             tags=["operator"])
def pause_platform_template(request, template_id: str):
    return _move_platform(request, template_id, "pause")


@router.post("/operator/coupon-templates/{template_id}/resume", response={200: TemplateOut, **ERRORS},
             tags=["operator"])
def resume_platform_template(request, template_id: str):
    return _move_platform(request, template_id, "resume")


@router.post("/operator/coupon-templates/{template_id}/stop", response={200: TemplateOut, **ERRORS},
             tags=["operator"])
def stop_platform_template(request, template_id: str):
    return _move_platform(request, template_id, "stop")


@router.post("/operator/coupon-templates/{template_id}/grants", response={200: GrantOut, **ERRORS},
             tags=["operator"])
def platform_grant(request, template_id: str, body: GrantIn):
    require_operator(request.auth)
    return _grant(selectors.platform_template(template_id), body.customers)
