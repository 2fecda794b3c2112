"""Django admin for the platform's plumbing: outbox, periodic runs, idempotency keys."""

from __future__ import annotations

from django.contrib import admin

from o2o.core.models import IdempotencyRecord, OutboxEvent, PeriodicRun


class _ReadOnly(admin.ModelAdmin):
    """These rows are written by the platform itself; the admin only looks."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(_ReadOnly):
    list_display = ("id", "event_type", "aggregate_type", "aggregate_id", "merchant_id",
                    "created_at", "relayed_at", "attempts")
    list_filter = ("event_type", "aggregate_type", ("relayed_at", admin.EmptyFieldListFilter))
    search_fields = ("event_type", "aggregate_id", "merchant_id")
    date_hierarchy = "created_at"


@admin.register(PeriodicRun)
class PeriodicRunAdmin(_ReadOnly):
    list_display = ("name", "next_run_at", "last_run_at")
    list_filter = (("last_run_at", admin.EmptyFieldListFilter),)
    search_fields = ("name",)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(_ReadOnly):
    list_display = ("scope", "key", "user_id", "status_code", "created_at")
    list_filter = ("scope", "status_code")
    search_fields = ("scope", "key", "user_id")
    date_hierarchy = "created_at"
