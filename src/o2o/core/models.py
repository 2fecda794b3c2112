from __future__ import annotations

from django.db import models


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the state change it records.

    Webhooks, notifications and analytics read from here, never from inside the
    transaction that changed the state.
    """

    id = models.BigAutoField(primary_key=True)
    event_type = models.CharField(max_length=64, db_index=True)
    aggregate_type = models.CharField(max_length=32)
    aggregate_id = models.CharField(max_length=40, db_index=True)
    merchant_id = models.CharField(max_length=40, blank=True, default="", db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)
    relayed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["relayed_at", "id"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_id}"


class PeriodicRun(models.Model):
    """When each periodic task is next due. Claimed with a conditional update so
    that several workers enqueue a due task exactly once."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(models.Model):
    """First answer to a request carrying an Idempotency-Key, replayed on retries."""

    scope = models.CharField(max_length=64)
    user_id = models.BigIntegerField()
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "user_id", "key"], name="uniq_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
