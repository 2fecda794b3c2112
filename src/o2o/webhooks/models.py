"""Webhook endpoints of merchants, the deliveries of events to them, and each attempt."""

from __future__ import annotations

from django.db import models

from o2o.core.ids import id_factory
from o2o.core.models import OutboxEvent
from o2o.merchants.models import Merchant


class EndpointStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISABLED = "disabled", "Disabled"


class DisabledReason(models.TextChoices):
    NONE = "", "—"
    MERCHANT = "merchant", "Disabled by the merchant"
    FAILING = "failing", "Every delivery failed for a day"


class Endpoint(models.Model):
    """Where a merchant's system wants events. The secrets are kept sealed (signing.seal)."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("whk"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    event_types = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=EndpointStatus.choices, default=EndpointStatus.ACTIVE)
    disabled_reason = models.CharField(max_length=10, choices=DisabledReason.choices, blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)
    secret_sealed = models.TextField()
    previous_secret_sealed = models.TextField(blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    # Since when every delivery failed (null after a success): 24 h of it disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # A worker delivering to this endpoint holds it until then: one request in flight.
    busy_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["merchant", "status"], name="whk_merchant_status_idx")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event for one endpoint. Its public_id is the `webhook-id` header, the same on
    every attempt and replay; its body is fixed when it is made."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("whd"), editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    event_public_id = models.CharField(max_length=24)
    event_type = models.CharField(max_length=64)
    # Deliveries of one object go out in event order: object_key names it, order_key orders.
    object_key = models.CharField(max_length=80, blank=True, default="")
    order_key = models.BigIntegerField(default=0)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    retry_until = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="whd_endpoint_event_uniq")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="whd_due_idx"),
            models.Index(fields=["endpoint", "status", "object_key", "order_key"], name="whd_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.event_type}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: what came back and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True, default="")
    response_body = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
