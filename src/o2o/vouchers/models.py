"""Service vouchers, their redemptions at the counter, and refund requests.

One voucher per unit of a paid service line. `uses_left` only changes through a
conditional UPDATE in vouchers.services, and a CHECK keeps it in 0..uses_total.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from o2o.catalog.models import Product
from o2o.core import ids
from o2o.merchants.models import Merchant, Store


def _pid(prefix: str):
    # The module-level generator itself, so migrations see a stable default.
    return getattr(ids, f"new_{prefix}_id")


class VoucherStatus(models.TextChoices):
    ACTIVE = "active", "Active (unused)"
    PARTIALLY_USED = "partially_used", "Partially used"
    USED = "used", "Used"
    REFUNDED = "refunded", "Refunded"
    EXPIRED = "expired", "Expired (no refund)"
    EXPIRED_REFUNDED = "expired_refunded", "Expired and refunded"


#: Statuses in which a voucher may still be redeemed or refunded.
USABLE = (VoucherStatus.ACTIVE, VoucherStatus.PARTIALLY_USED)


class Voucher(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("vch"), editable=False)
    code = models.CharField(max_length=16, unique=True, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="vouchers")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="vouchers")
    seq = models.PositiveIntegerField()  # 1..quantity within the order line
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="vouchers")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="vouchers")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="vouchers")
    title = models.CharField(max_length=120)  # snapshot of the order line
    price_fen = models.PositiveIntegerField()  # what this one voucher cost
    uses_total = models.PositiveIntegerField()
    uses_left = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VoucherStatus.choices,
                              default=VoucherStatus.ACTIVE, db_index=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    # True: valid at every store of the merchant, including stores opened later.
    all_stores = models.BooleanField(default=False)
    stores = models.ManyToManyField(Store, blank=True, related_name="vouchers")
    slot = models.ForeignKey("inventory.Slot", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="vouchers")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["order_line", "seq"], name="uniq_voucher_line_seq"),
            models.CheckConstraint(condition=Q(uses_total__gte=1), name="voucher_uses_total_positive"),
            models.CheckConstraint(condition=Q(uses_left__gte=0) & Q(uses_left__lte=F("uses_total")),
                                   name="voucher_uses_left_in_range"),
        ]
        indexes = [
            models.Index(fields=["customer", "id"], name="voucher_customer_idx"),
            models.Index(fields=["status", "valid_until"], name="voucher_status_until_idx"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_usable(self) -> bool:
        return self.status in USABLE


class Redemption(models.Model):
    """`uses` uses of a voucher consumed at a store by a staff member."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("rdm"), editable=False)
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="redemptions")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="redemptions")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="redemptions_made")
    uses = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    local_date = models.DateField()  # the store-local day of the redemption, for daily lists
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="redemptions_reversed")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(uses__gte=1), name="redemption_uses_positive"),
        ]
        indexes = [
            models.Index(fields=["merchant", "local_date"], name="redemption_merchant_day_idx"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class RefundSource(models.TextChoices):
    CUSTOMER = "customer", "Asked by the customer"
    EXPIRY = "expiry", "Automatic on expiry"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    PROCESSING = "processing", "Processing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class VoucherRefund(models.Model):
    """A refund owed for the unused uses of one voucher; the payments flow executes it.
    One per voucher: a voucher is refunded once, whatever the source."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("rfq"), editable=False)
    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, related_name="refund")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="voucher_refunds")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="voucher_refunds")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="voucher_refunds")
    uses = models.PositiveIntegerField()
    amount_fen = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="CNY")
    reason = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=10, choices=RefundSource.choices)
    status = models.CharField(max_length=12, choices=RefundStatus.choices,
                              default=RefundStatus.REQUESTED, db_index=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.amount_fen} fen"


class MerchantSigningKey(models.Model):
    """An Ed25519 key that signs a merchant's voucher QR payloads (vouchers.signing).

    The private key is sealed at rest (AES-GCM under a key derived from SECRET_KEY).
    The newest key neither retired nor revoked signs; a retired key still verifies until
    `not_after` (the latest validity end of what it signed); a revoked one never again."""

    kid = models.CharField(max_length=24, unique=True, default=_pid("key"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="signing_keys")
    private_sealed = models.TextField()
    public_key = models.CharField(max_length=64)  # raw 32 bytes, base64url
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    not_after = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.kid
