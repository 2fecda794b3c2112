"""Parcels and their tracking, pick-up codes and after-sales requests (the merchants'
shipping fee rules live in o2o.freight, below orders).

Stock is not moved here: the units of a paid goods order already left the shelf of
the location they were reserved at when the payment was recorded
(inventory.commit_reservations); a parcel item only records that location.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from o2o.core import ids
from o2o.inventory.models import StockLocation
from o2o.merchants.models import Merchant, Store
from o2o.orders.models import Order, OrderLine


def _pid(prefix: str):
    return getattr(ids, f"new_{prefix}_id")


class ParcelStatus(models.TextChoices):
    CREATED = "created", "Created"
    PICKED_UP = "picked_up", "Picked up"
    IN_TRANSIT = "in_transit", "In transit"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    EXCEPTION = "exception", "Exception"
    DELIVERED = "delivered", "Delivered"


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "To the customer"
    RETURN = "return", "Back to the merchant"


class Parcel(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("prc"), editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="parcels")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="parcels")
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    after_sale = models.ForeignKey("AfterSale", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="parcels")
    carrier = models.CharField(max_length=20)
    tracking_number = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=ParcelStatus.choices, default=ParcelStatus.CREATED,
                              db_index=True)
    last_event_at = models.DateTimeField(null=True, blank=True)  # carrier time of the state's event
    last_city = models.CharField(max_length=50, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="uniq_parcel_tracking"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class ParcelItem(models.Model):
    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="items")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="parcel_items")
    quantity = models.PositiveIntegerField()
    # Where the units left from: the location their reservation was committed at.
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="parcel_item_qty_pos")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"


class TrackingEvent(models.Model):
    """One carrier event as received; unique per carrier event id so a resend is a no-op."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="events")
    carrier = models.CharField(max_length=20)
    event_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=ParcelStatus.choices)
    occurred_at = models.DateTimeField()
    city = models.CharField(max_length=50, blank=True, default="")
    description = models.CharField(max_length=200, blank=True, default="")
    applied = models.BooleanField(default=False)  # False: older than the parcel's state
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "event_id"], name="uniq_tracking_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.status}"


class CarrierPush(models.Model):
    """An event the sandbox carrier has to deliver to the platform's webhook (its outbox)."""

    carrier = models.CharField(max_length=20)
    event_id = models.CharField(max_length=64, unique=True)
    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.event_id


class PickupStatus(models.TextChoices):
    READY = "ready", "Ready"
    COLLECTED = "collected", "Collected"
    CANCELLED = "cancelled", "Cancelled"


class PickupCode(models.Model):
    """The single-use code a customer shows at the store to collect a pick-up order."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="pickup_code")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="pickup_codes")
    code = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=10, choices=PickupStatus.choices, default=PickupStatus.READY)
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"pick-up of {self.order_id}"


class AfterSaleKind(models.TextChoices):
    RETURN = "return", "Return and refund"
    REFUND_ONLY = "refund_only", "Refund only (missing or damaged)"


class AfterSaleStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DISPUTED = "disputed", "Disputed"
    RETURN_SHIPPED = "return_shipped", "Return shipped"
    REFUNDED = "refunded", "Refunded"
    CLOSED = "closed", "Closed"


class AfterSale(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("ret"), editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="after_sales")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="after_sales")
    kind = models.CharField(max_length=12, choices=AfterSaleKind.choices)
    status = models.CharField(max_length=16, choices=AfterSaleStatus.choices,
                              default=AfterSaleStatus.REQUESTED, db_index=True)
    reason = models.CharField(max_length=200)
    photos = models.JSONField(default=list, blank=True)  # URLs
    requested_fen = models.PositiveIntegerField()
    refunded_fen = models.PositiveIntegerField(default=0)
    merchant_note = models.CharField(max_length=200, blank=True, default="")
    operator_note = models.CharField(max_length=200, blank=True, default="")
    refund_id = models.CharField(max_length=24, blank=True, default="")  # payments Refund public id
    restock_location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.public_id


class AfterSaleLine(models.Model):
    after_sale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="after_sale_lines")
    quantity = models.PositiveIntegerField()
    refunded_fen = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="after_sale_line_qty_pos")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"
