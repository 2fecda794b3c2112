"""Every write of marketing's offers: coupon templates (a merchant's or the platform's),
their pause / resume / stop, spend tiers and limited-time SKU prices.

Who may do what: a merchant writes only its own templates, funded by itself
(merchant_share_bp 10000); the platform (an operator) writes platform templates (no
merchant: valid everywhere, platform-funded) and may co-fund a merchant's template with
a split in basis points. Every check runs before the first write: a refused request
writes nothing.

Budget cap (platform-funded templates): counted as face value per claimed coupon (the
amount off, or a percent coupon's cap), so claims stop before the spend *could* pass
the cap; counting the discount actually used would let claims run past it.

Error codes (422 unless noted):
    invalid_title         a blank title
    invalid_percent       percent off outside 1..99
    negative_amount       an amount below 0
    amount_too_large      an amount above MAX_FEN (¥10,000,000)
    invalid_amount        an amount-off coupon or a tier taking nothing off
    threshold_below_amount a threshold below the amount off (满20减30)
    invalid_window        an end at or before its start
    invalid_validity      neither or both of fixed dates and valid_days, or days outside 1..365
    invalid_quantity      total quantity outside 1..10,000,000 or per-customer limit outside 1..100
    invalid_share         merchant_share_bp outside 0..10000
    budget_needs_cap      a budget cap on a percent coupon without a cap per coupon
    scope_not_found       a product, category or store of the scope that is not the merchant's
    platform_template_forbidden 403  a merchant writing a platform or platform-funded template
    template_not_found 404, tier_not_found 404, price_not_found 404, sku_not_found 404
    invalid_transition 409 pause a stopped template, resume an active one...
    below_claimed 409     a total quantity below what is already claimed
    price_not_lower       a limited-time price not below the SKU's price
    price_overlap 409     another active limited-time price of the SKU overlaps
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from o2o.catalog.models import Category, Product, Sku
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.marketing.models import (
    FULL_BP,
    CouponKind,
    CouponTemplate,
    ProductScope,
    PromotionStatus,
    SkuPrice,
    SpendTier,
    TemplateStatus,
)
from o2o.merchants.models import Merchant, Store

MAX_QUANTITY = 10_000_000
MAX_PER_CUSTOMER = 100
MAX_VALID_DAYS = 365

_Promotion = TypeVar("_Promotion", SpendTier, SkuPrice)


@dataclass
class TemplateSpec:
    """What a template says; the API fills it from the request body."""

    title: str
    kind: str
    amount_off_fen: int = 0
    percent_off: int = 0
    max_off_fen: int | None = None
    threshold_fen: int = 0
    product_scope: str = ProductScope.ALL
    products: Sequence[str] = ()  # public ids
    categories: Sequence[str] = ()
    stores: Sequence[str] = ()
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    valid_days: int | None = None
    claim_starts_at: dt.datetime | None = None
    claim_ends_at: dt.datetime | None = None
    total_quantity: int = 100
    per_customer_limit: int = 1
    new_customers_only: bool = False
    claimable: bool = True
    exclusive_group: str = ""
    return_on_refund: bool = False
    merchant_share_bp: int | None = None
    budget_cap_fen: int | None = None


def _bad(message: str, code: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(message, code, details=details or None)


# Far above any real offer, and below what an integer column holds on every database.
MAX_FEN = 1_000_000_000


def _check_fen(name: str, value: int | None) -> None:
    """One amount of an offer: never negative, never beyond what the books can hold."""
    if value is None:
        return
    if value < 0:
        raise _bad(_("An amount cannot be negative"), "negative_amount", field=name)
    if value > MAX_FEN:
        raise _bad(_("An amount cannot be above ¥10,000,000"), "amount_too_large", field=name)


def _check_window(start: dt.datetime | None, end: dt.datetime | None, name: str) -> None:
    if start is not None and end is not None and end <= start:
        raise _bad(_("The end must come after the start"), "invalid_window", field=name)


def _check_amounts(spec: TemplateSpec) -> None:
    for name in ("amount_off_fen", "threshold_fen", "max_off_fen", "budget_cap_fen"):
        _check_fen(name, getattr(spec, name))
    if spec.kind == CouponKind.PERCENT:
        if not 1 <= spec.percent_off <= 99:
            raise _bad(_("A percent off is a whole number from 1 to 99"), "invalid_percent")
        if spec.max_off_fen == 0:
            raise _bad(_("A coupon must take something off"), "invalid_amount", field="max_off_fen")
        if spec.budget_cap_fen is not None and spec.max_off_fen is None:
            raise _bad(_("A budget cap needs a cap per coupon (max_off_fen)"), "budget_needs_cap")
    elif spec.kind == CouponKind.AMOUNT:
        if spec.amount_off_fen <= 0:
            raise _bad(_("A coupon must take something off"), "invalid_amount", field="amount_off_fen")
        if spec.threshold_fen and spec.threshold_fen < spec.amount_off_fen:
            raise _bad(_("The threshold cannot be below the amount off"), "threshold_below_amount")
    else:
        raise _bad(_("Unknown coupon kind"), "validation_error", field="kind")


def _check_validity(spec: TemplateSpec) -> None:
    fixed = spec.valid_from is not None or spec.valid_until is not None
    if fixed == (spec.valid_days is not None):
        raise _bad(_("Give either fixed dates (valid_from and valid_until) or valid_days"), "invalid_validity")
    if fixed and (spec.valid_from is None or spec.valid_until is None):
        raise _bad(_("Fixed validity needs valid_from and valid_until"), "invalid_validity")
    if spec.valid_days is not None and not 1 <= spec.valid_days <= MAX_VALID_DAYS:
        raise _bad(_("valid_days must be from 1 to 365"), "invalid_validity")
    _check_window(spec.valid_from, spec.valid_until, "valid_until")
    _check_window(spec.claim_starts_at, spec.claim_ends_at, "claim_ends_at")


def _check_counts(spec: TemplateSpec) -> None:
    if not 1 <= spec.total_quantity <= MAX_QUANTITY:
        raise _bad(_("The total quantity must be from 1 to 10,000,000"), "invalid_quantity")
    if not 1 <= spec.per_customer_limit <= MAX_PER_CUSTOMER:
        raise _bad(_("The per-customer limit must be from 1 to 100"), "invalid_quantity")


def _resolve(model: Any, ids: Sequence[str], prefix: str, **scope: Any) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    if any(not looks_like_id(i, prefix) for i in wanted):
        raise _bad(_("The scope names something that does not exist"), "scope_not_found")
    found = dict(model.objects.filter(public_id__in=wanted, **scope).values_list("public_id", "pk"))
    if len(found) != len(wanted):
        raise _bad(_("The scope names something that does not exist"), "scope_not_found",
                   missing=[i for i in wanted if i not in found])
    return [found[i] for i in wanted]


def create_template(actor: Any, spec: TemplateSpec, *, merchant: Merchant | None,
                    by_platform: bool) -> CouponTemplate:
    """A merchant's template (`by_platform` False, `merchant` theirs) or the platform's
    (`merchant` None for a platform coupon, or a merchant whose coupon it co-funds)."""
    share = spec.merchant_share_bp
    if not by_platform:
        if merchant is None or (share is not None and share != FULL_BP) or spec.budget_cap_fen is not None:
            raise PermissionDenied(_("Only the platform makes platform-funded coupons"),
                                   "platform_template_forbidden")
        share = FULL_BP
    elif share is None:
        share = 0
    if not 0 <= share <= FULL_BP:
        raise _bad(_("merchant_share_bp must be from 0 to 10000"), "invalid_share")
    if merchant is None and share != 0:
        raise _bad(_("A platform coupon has no merchant to fund it"), "invalid_share")
    if not spec.title.strip():
        raise _bad(_("A coupon needs a title"), "invalid_title")
    _check_amounts(spec)
    _check_validity(spec)
    _check_counts(spec)
    if spec.product_scope not in ProductScope.values:
        raise _bad(_("Unknown product scope"), "validation_error", field="product_scope")
    by_merchant = {"merchant": merchant} if merchant is not None else {}
    product_ids = _resolve(Product, spec.products, "prd", **by_merchant)
    category_ids = _resolve(Category, spec.categories, "cat")
    store_ids = _resolve(Store, spec.stores, "sto", **by_merchant)
    now = clock.now()
    with transaction.atomic():
        template = CouponTemplate.objects.create(
            merchant=merchant, title=spec.title.strip()[:60], kind=spec.kind,
            amount_off_fen=spec.amount_off_fen if spec.kind == CouponKind.AMOUNT else 0,
            percent_off=spec.percent_off if spec.kind == CouponKind.PERCENT else 0,
            max_off_fen=spec.max_off_fen if spec.kind == CouponKind.PERCENT else None,
            threshold_fen=spec.threshold_fen, product_scope=spec.product_scope,
            product_ids=product_ids, category_ids=category_ids, store_ids=store_ids,
            valid_from=spec.valid_from, valid_until=spec.valid_until, valid_days=spec.valid_days,
            claim_starts_at=spec.claim_starts_at or now, claim_ends_at=spec.claim_ends_at,
            total_quantity=spec.total_quantity, per_customer_limit=spec.per_customer_limit,
            new_customers_only=spec.new_customers_only, claimable=spec.claimable,
            exclusive_group=spec.exclusive_group.strip(), return_on_refund=spec.return_on_refund,
            merchant_share_bp=share, budget_cap_fen=spec.budget_cap_fen,
            created_by=actor, created_at=now, updated_at=now)
        events.emit("coupon_template.created", template, {"kind": template.kind},
                    merchant_id=merchant.public_id if merchant else "")
    return template


def update_template(template: CouponTemplate, *, title: str | None = None, total_quantity: int | None = None,
                    claim_ends_at: dt.datetime | None = None, budget_cap_fen: int | None = None,
                    by_platform: bool) -> CouponTemplate:
    """Change what can change once coupons are out: the title, the quantity (never below
    what is claimed), the end of claims, the platform's budget cap."""
    if budget_cap_fen is not None and not by_platform:
        raise PermissionDenied(_("Only the platform sets a budget cap"), "platform_template_forbidden")
    _check_fen("budget_cap_fen", budget_cap_fen)
    if title is not None and not title.strip():
        raise _bad(_("A coupon needs a title"), "invalid_title")
    if total_quantity is not None and not 1 <= total_quantity <= MAX_QUANTITY:
        raise _bad(_("The total quantity must be from 1 to 10,000,000"), "invalid_quantity")
    _check_window(template.claim_starts_at, claim_ends_at, "claim_ends_at")
    with transaction.atomic():
        t = CouponTemplate.objects.select_for_update().get(pk=template.pk)
        if total_quantity is not None and total_quantity < t.claimed:
            raise Conflict(_("%(n)s are already claimed") % {"n": t.claimed}, "below_claimed",
                           details={"claimed": t.claimed})
        if title is not None:
            t.title = title.strip()[:60]
        if total_quantity is not None:
            t.total_quantity = total_quantity
        if claim_ends_at is not None:
            t.claim_ends_at = claim_ends_at
        if budget_cap_fen is not None:
            t.budget_cap_fen = budget_cap_fen
        t.updated_at = clock.now()
        t.save()
        events.emit("coupon_template.updated", t, {}, merchant_id=_merchant_ref(t))
    return t


_MOVES = {
    "pause": ((TemplateStatus.ACTIVE,), TemplateStatus.PAUSED),
    "resume": ((TemplateStatus.PAUSED,), TemplateStatus.ACTIVE),
    "stop": ((TemplateStatus.ACTIVE, TemplateStatus.PAUSED), TemplateStatus.STOPPED),
}


def move_template(template: CouponTemplate, action: str) -> CouponTemplate:
    """pause (claims stop), resume, stop (for good). Coupons already claimed stay valid."""
    sources, target = _MOVES[action]
    with transaction.atomic():
        moved = CouponTemplate.objects.filter(pk=template.pk, status__in=sources).update(
            status=target, updated_at=clock.now())
        if not moved:
            raise Conflict(_("This coupon cannot be changed that way now"), "invalid_transition",
                           details={"status": CouponTemplate.objects.get(pk=template.pk).status})
        template.refresh_from_db()
        events.emit(f"coupon_template.{target}", template, {}, merchant_id=_merchant_ref(template))
    return template


def _merchant_ref(t: CouponTemplate) -> str:
    return t.merchant.public_id if t.merchant_id else ""


# --- promotions without a coupon -----------------------------------------------------

def create_tier(merchant: Merchant, *, threshold_fen: int, amount_off_fen: int, starts_at: dt.datetime,
                ends_at: dt.datetime) -> SpendTier:
    _check_fen("threshold_fen", threshold_fen)
    _check_fen("amount_off_fen", amount_off_fen)
    if amount_off_fen == 0:
        raise _bad(_("A spend tier must take something off"), "invalid_amount")
    if threshold_fen < amount_off_fen:
        raise _bad(_("The threshold cannot be below the amount off"), "threshold_below_amount")
    _check_window(starts_at, ends_at, "ends_at")
    with transaction.atomic():
        tier = SpendTier.objects.create(merchant=merchant, threshold_fen=threshold_fen,
                                        amount_off_fen=amount_off_fen, starts_at=starts_at,
                                        ends_at=ends_at, created_at=clock.now())
        events.emit("spend_tier.created", tier, {"threshold_fen": threshold_fen,
                                                 "amount_off_fen": amount_off_fen},
                    merchant_id=merchant.public_id)
    return tier


def stop_tier(merchant: Merchant, public_id: str) -> SpendTier:
    tier = SpendTier.objects.filter(merchant=merchant, public_id=public_id).first()
    if tier is None:
        raise NotFound(_("No such spend tier"), "tier_not_found")
    return _stop(tier, "spend_tier.stopped", merchant)


def create_sku_price(merchant: Merchant, *, sku: str, price_fen: int, starts_at: dt.datetime,
                     ends_at: dt.datetime) -> SkuPrice:
    found = Sku.objects.filter(public_id=sku, product__merchant=merchant).first() \
        if looks_like_id(sku, "sku") else None
    if found is None:
        raise NotFound(_("No such SKU"), "sku_not_found")
    _check_fen("price_fen", price_fen)
    if price_fen >= found.price_fen:
        raise _bad(_("A limited-time price must be below the SKU's price"), "price_not_lower",
                   sku_price_fen=found.price_fen)
    _check_window(starts_at, ends_at, "ends_at")
    with transaction.atomic():
        Sku.objects.select_for_update().filter(pk=found.pk).first()  # one writer per SKU
        if SkuPrice.objects.filter(sku=found, status=PromotionStatus.ACTIVE, starts_at__lt=ends_at,
                                   ends_at__gt=starts_at).exists():
            raise Conflict(_("Another limited-time price of this SKU overlaps"), "price_overlap")
        price = SkuPrice.objects.create(sku=found, price_fen=price_fen, starts_at=starts_at,
                                        ends_at=ends_at, created_at=clock.now())
        events.emit("sku_price.created", price, {"sku": sku, "price_fen": price_fen},
                    merchant_id=merchant.public_id)
    return price


def stop_sku_price(merchant: Merchant, public_id: str) -> SkuPrice:
    price = SkuPrice.objects.filter(sku__product__merchant=merchant, public_id=public_id).first()
    if price is None:
        raise NotFound(_("No such limited-time price"), "price_not_found")
    return _stop(price, "sku_price.stopped", merchant)


def _stop(row: _Promotion, event: str, merchant: Merchant) -> _Promotion:
    """Stop a spend tier or a limited-time price for good and say so."""
    with transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(status=PromotionStatus.STOPPED)
        row.refresh_from_db()
        events.emit(event, row, {}, merchant_id=merchant.public_id)
    return row
