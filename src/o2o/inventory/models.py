"""Goods stock per SKU per location, and service capacity (slots, voucher quotas).

Every count here is changed only by a conditional UPDATE in inventory.services, and
CHECK constraints make the database itself refuse an oversold or negative row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from o2o.catalog.models import Product, Sku
from o2o.core import ids
from o2o.merchants.models import Merchant, Store


def _pid(prefix: str):
    # The module-level generator itself (not a fresh closure), so the field default
    # compares equal to the one in the migration and no spurious migration appears.
    return getattr(ids, f"new_{prefix}_id")

class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", "Warehouse"
    STORE = "store", "Store"


class StockLocation(models.Model):
    """Where a merchant keeps goods: a warehouse, or one of its stores."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("loc"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="stock_locations")
    kind = models.CharField(max_length=10, choices=LocationKind.choices, default=LocationKind.WAREHOUSE)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="stock_locations")
    name = models.CharField(max_length=100)
    # Lower numbers are tried first when an order picks a location.
    priority = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="store", store__isnull=False) | Q(kind="warehouse", store__isnull=True)),
                name="stock_location_kind_store",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """On-hand and reserved units of one SKU at one location; available = on_hand - reserved."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("stk"), editable=False)
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="stock_levels")
    location = models.ForeignKey(StockLocation, on_delete=models.CASCADE, related_name="levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "location"], name="uniq_stock_level_sku_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_non_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_non_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_le_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.location_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class ReservationState(models.TextChoices):
    HELD = "held", "Held for payment"
    COMMITTED = "committed", "Committed (paid)"
    RELEASED = "released", "Released"


class Reservation(models.Model):
    """Units of a goods order line held at one location during the payment window."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("rsv"), editable=False)
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE,
                                   related_name="reservations")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=ReservationState.choices,
                             default=ReservationState.HELD, db_index=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id} ({self.state})"


class Schedule(models.Model):
    """A weekly pattern of slots for a service at a store, in the store's local time."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("sch"), editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="schedules")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="schedules")
    weekdays = models.JSONField(default=list)  # ISO weekday numbers, 1 = Monday .. 7 = Sunday
    start_time = models.TimeField()  # store-local wall clock
    end_time = models.TimeField()
    slot_minutes = models.PositiveIntegerField()
    capacity = models.PositiveIntegerField()
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(slot_minutes__gt=0), name="schedule_slot_minutes_positive"),
            models.CheckConstraint(condition=Q(start_time__lt=F("end_time")), name="schedule_start_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.store_id} {self.start_time}-{self.end_time}"


class Slot(models.Model):
    """A bookable time of a service at a store: `capacity` seats, `booked` taken."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("slt"), editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="slots")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="slots")
    schedule = models.ForeignKey(Schedule, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="slots")
    starts_at = models.DateTimeField()  # aware, stored in UTC
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    booked = models.PositiveIntegerField(default=0)
    is_closed = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            # One slot per service, store and start: generation is idempotent.
            models.UniqueConstraint(fields=["product", "store", "starts_at"], name="uniq_slot_start"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_booked_le_capacity"),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="slot_starts_before_ends"),
        ]
        indexes = [models.Index(fields=["store", "starts_at"], name="slot_store_start_idx")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.store_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked, 0)


class Closure(models.Model):
    """A store-local date on which a store (or one service there) takes no bookings."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="closures")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="closures")  # null: every service of the store
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "id"]

    def __str__(self) -> str:
        return f"{self.store_id} closed {self.date}"


class VoucherQuota(models.Model):
    """A total number of vouchers a date-flexible service may sell. No row: unlimited."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="voucher_quota")
    total = models.PositiveIntegerField()
    sold = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(sold__lte=F("total")), name="quota_sold_le_total"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.sold}/{self.total}"

    @property
    def remaining(self) -> int:
        return max(self.total - self.sold, 0)
