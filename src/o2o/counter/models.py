"""Counter devices, the redemptions they upload after working offline, and the
conflicts those uploads can meet (docs/offline-counter.md).

Written only by counter.services. An OfflineRedemption's nonce is unique: the one
guard that applies an upload once however often it is retried."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from o2o.core.ids import id_factory
from o2o.merchants.models import Merchant, Store

DEFAULT_MAX_OFFLINE_USES = 50
DEFAULT_MAX_OFFLINE_VALUE_FEN = 500_000


class CounterDevice(models.Model):
    """A browser at a store's counter, registered by a staff member's sign-in. Its token
    is shown once; only its SHA-256 is kept."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("dev"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="counter_devices")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="counter_devices")
    name = models.CharField(max_length=60)
    token_hash = models.CharField(max_length=64, unique=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    max_offline_uses = models.PositiveIntegerField(default=DEFAULT_MAX_OFFLINE_USES)
    max_offline_value_fen = models.PositiveIntegerField(default=DEFAULT_MAX_OFFLINE_VALUE_FEN)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # The last bundle fetch starts a new offline period: the caps count what came after.
    last_bundle_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.name}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class OfflineResult(models.TextChoices):
    APPLIED = "applied", "Applied"
    CONFLICT = "conflict", "Conflict"
    REFUSED = "refused", "Refused"


class OfflineRedemption(models.Model):
    """One uploaded item: what the counter did offline and what the server made of it."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("ofr"), editable=False)
    nonce = models.CharField(max_length=32, unique=True)  # 128 bits, lower-case hex
    device = models.ForeignKey(CounterDevice, on_delete=models.PROTECT, related_name="uploads")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    voucher = models.ForeignKey("vouchers.Voucher", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="offline_redemptions")
    scanned = models.CharField(max_length=8)  # payload | code
    uses = models.PositiveIntegerField()
    value_fen = models.PositiveIntegerField(default=0)
    redeemed_at = models.DateTimeField()  # the counter's clock, offline
    synced_at = models.DateTimeField()
    result = models.CharField(max_length=10, choices=OfflineResult.choices)
    reason = models.CharField(max_length=40, blank=True, default="")
    redemption = models.OneToOneField("vouchers.Redemption", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="offline")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["device", "redeemed_at"], name="offline_device_time_idx")]

    def __str__(self) -> str:
        return f"{self.nonce}: {self.result}"


class ConflictStatus(models.TextChoices):
    OPEN = "open", "Open"
    ABSORBED = "absorbed", "Absorbed by the merchant"
    CHARGED = "charged", "Charged to the customer"


class OfflineConflict(models.Model):
    """A service given offline that the voucher could no longer pay for: the upload and
    what got there first (a redemption, a refund or the expiry). Nothing of it is in the
    ledger until the merchant charges the customer through a new order."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("ocf"), editable=False)
    offline = models.OneToOneField(OfflineRedemption, on_delete=models.PROTECT, related_name="conflict")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    voucher = models.ForeignKey("vouchers.Voucher", on_delete=models.PROTECT, related_name="offline_conflicts")
    reason = models.CharField(max_length=20)  # fully_used | refunded | expired
    winner_kind = models.CharField(max_length=12)  # redemption | refund | expiry
    winner_id = models.CharField(max_length=24)
    winner_at = models.DateTimeField()
    winner_store = models.CharField(max_length=24, blank=True, default="")
    status = models.CharField(max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN,
                              db_index=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status="open") | Q(resolved_at__isnull=False),
                                   name="offline_conflict_resolved_at"),
        ]

    def __str__(self) -> str:
        return self.public_id
