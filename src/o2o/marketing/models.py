"""Coupon templates, claimed coupons and their uses by orders, spend tiers, limited-time
SKU prices.

Counters change only through conditional UPDATEs in marketing.services: a template's
`claimed` never passes `total_quantity` (a CHECK backs it), a customer holds at most
`per_customer_limit` coupons of a template (unique (template, customer, seq) with seq
in 1..limit). Marketing sits below orders, so an order is referenced by its integer
primary key (`order_pk`) and its checkout group, never by a foreign key.

Funding is in basis points: `merchant_share_bp` of a discount is paid by the merchant,
the rest by the platform (10000 = merchant only, 0 = platform only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from o2o.catalog.models import Sku
from o2o.core import ids
from o2o.merchants.models import Merchant

FULL_BP = 10_000


def _pid(prefix: str):
    # The module-level generator itself, so migrations see a stable default.
    return getattr(ids, f"new_{prefix}_id")


class CouponKind(models.TextChoices):
    AMOUNT = "amount", "Amount off (满减 / cash)"
    PERCENT = "percent", "Percent off (折扣)"


class ProductScope(models.TextChoices):
    ALL = "all", "Goods and services"
    GOODS = "goods", "Goods only"
    SERVICES = "services", "Services only"


class TemplateStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused (no claims; claimed coupons stay valid)"
    STOPPED = "stopped", "Stopped for good (claimed coupons stay valid)"


class CouponTemplate(models.Model):
    """What a coupon gives, to whom, for how long, and who pays for it.

    `merchant` None is a platform coupon: valid at every merchant (within its scope)
    and stacked on top of at most one merchant coupon per order."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("ctp"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="coupon_templates")
    title = models.CharField(max_length=60)
    kind = models.CharField(max_length=8, choices=CouponKind.choices)
    amount_off_fen = models.PositiveIntegerField(default=0)  # AMOUNT
    percent_off = models.PositiveSmallIntegerField(default=0)  # PERCENT: 20 = 8折
    max_off_fen = models.PositiveIntegerField(null=True, blank=True)  # PERCENT: the cap
    threshold_fen = models.PositiveIntegerField(default=0)  # 0: no threshold
    # Scope: lines of these product kinds; when product_ids or category_ids are given, a
    # line must match one of them; when store_ids are given, the line's store must be one.
    # Ids are checked against the merchant when written; a deleted one just never matches.
    product_scope = models.CharField(max_length=8, choices=ProductScope.choices, default=ProductScope.ALL)
    product_ids = models.JSONField(default=list, blank=True)
    category_ids = models.JSONField(default=list, blank=True)
    store_ids = models.JSONField(default=list, blank=True)
    # Validity: fixed dates, or `valid_days` after the claim.
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(null=True, blank=True)
    claim_starts_at = models.DateTimeField()
    claim_ends_at = models.DateTimeField(null=True, blank=True)
    total_quantity = models.PositiveIntegerField()
    claimed = models.PositiveIntegerField(default=0)
    per_customer_limit = models.PositiveSmallIntegerField(default=1)
    new_customers_only = models.BooleanField(default=False)
    claimable = models.BooleanField(default=True)  # False: granted only (campaigns)
    exclusive_group = models.CharField(max_length=32, blank=True, default="")
    return_on_refund = models.BooleanField(default=False)
    merchant_share_bp = models.PositiveIntegerField(default=FULL_BP)
    # Platform spend cap, counted as face value per claimed coupon (see services).
    budget_cap_fen = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=TemplateStatus.choices, default=TemplateStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(claimed__lte=F("total_quantity")),
                                   name="coupon_template_claimed_le_total"),
            models.CheckConstraint(condition=Q(merchant_share_bp__lte=FULL_BP),
                                   name="coupon_template_share_bp_range"),
            models.CheckConstraint(condition=Q(percent_off__lte=99), name="coupon_template_percent_range"),
        ]
        indexes = [models.Index(fields=["status", "claim_starts_at"], name="coupon_tpl_status_idx")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def face_value_fen(self) -> int:
        """The most one coupon can take off: what a budget cap counts per claim."""
        if self.kind == CouponKind.AMOUNT:
            return self.amount_off_fen
        return self.max_off_fen or 0


class CouponStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    RESERVED = "reserved", "Reserved by an unpaid order"
    USED = "used", "Used"
    EXPIRED = "expired", "Expired"


class ClaimSource(models.TextChoices):
    PRODUCT_PAGE = "product_page", "Product page"
    COUPON_CENTRE = "coupon_centre", "Coupon centre"
    LINK = "link", "Link"
    GRANT = "grant", "Granted"


class Coupon(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("cpn"), editable=False)
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coupons")
    seq = models.PositiveSmallIntegerField()  # 1..template.per_customer_limit
    status = models.CharField(max_length=10, choices=CouponStatus.choices,
                              default=CouponStatus.AVAILABLE, db_index=True)
    source = models.CharField(max_length=16, choices=ClaimSource.choices)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    checkout_group = models.CharField(max_length=40, blank=True, default="")  # while reserved/used
    claimed_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "customer", "seq"], name="uniq_coupon_claim_seq"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="coupon_seq_positive"),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="coupon_customer_status_idx"),
            models.Index(fields=["status", "valid_until"], name="coupon_status_until_idx"),
        ]

    def __str__(self) -> str:
        return self.public_id


class UseState(models.TextChoices):
    RESERVED = "reserved", "Reserved (order unpaid)"
    PAID = "paid", "Paid"
    RELEASED = "released", "Released (order closed unpaid or cancelled)"


class CouponUse(models.Model):
    """One coupon's part in one order: a platform coupon may span several orders of a
    checkout. `amount_fen` is the discount it gave that order, `order_net_fen` what the
    order's lines cost after all discounts (the GMV it drove)."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="uses")
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="uses")
    order_pk = models.BigIntegerField(db_index=True)
    checkout_group = models.CharField(max_length=40)
    amount_fen = models.PositiveIntegerField(default=0)
    merchant_funded_fen = models.PositiveIntegerField(default=0)
    platform_funded_fen = models.PositiveIntegerField(default=0)
    order_net_fen = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=UseState.choices, default=UseState.RESERVED)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coupon", "order_pk"], name="uniq_coupon_use_order"),
            models.CheckConstraint(
                condition=Q(amount_fen=F("merchant_funded_fen") + F("platform_funded_fen")),
                name="coupon_use_funding_sums"),
        ]
        indexes = [models.Index(fields=["template", "state"], name="coupon_use_template_idx")]

    def __str__(self) -> str:
        return f"{self.coupon_id}@{self.order_pk}"


class PromotionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    STOPPED = "stopped", "Stopped"


class SpendTier(models.Model):
    """满减 without a coupon: a merchant's lines of one checkout reaching `threshold_fen`
    get `amount_off_fen` off (the best tier that applies, one per merchant)."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("tier"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="spend_tiers")
    threshold_fen = models.PositiveIntegerField()
    amount_off_fen = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    merchant_share_bp = models.PositiveIntegerField(default=FULL_BP)
    status = models.CharField(max_length=8, choices=PromotionStatus.choices, default=PromotionStatus.ACTIVE)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["threshold_fen", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_off_fen__gt=0) & Q(threshold_fen__gte=F("amount_off_fen")),
                                   name="spend_tier_amounts"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="spend_tier_window"),
            models.CheckConstraint(condition=Q(merchant_share_bp__lte=FULL_BP), name="spend_tier_share_bp_range"),
        ]
        indexes = [models.Index(fields=["merchant", "status"], name="spend_tier_merchant_idx")]

    def __str__(self) -> str:
        return self.public_id


class SkuPrice(models.Model):
    """A limited-time price of a SKU (限时折扣), merchant-funded: it is the merchant's price."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("skp"), editable=False)
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="timed_prices")
    price_fen = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=PromotionStatus.choices, default=PromotionStatus.ACTIVE)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="sku_price_window"),
        ]
        indexes = [models.Index(fields=["sku", "status", "ends_at"], name="sku_price_active_idx")]

    def __str__(self) -> str:
        return self.public_id
