"""Read-only admin of webhooks for operators: endpoints (never their secrets) and the
delivery log. Changes go through the merchant's console or API (webhooks.services)."""

from django.contrib import admin

from o2o.webhooks.models import Delivery, DeliveryAttempt, Endpoint


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Endpoint)
class EndpointAdmin(ReadOnly):
    list_display = ("public_id", "merchant", "url", "status", "disabled_reason", "failing_since", "last_success_at")
    list_filter = ("status", "disabled_reason")
    search_fields = ("public_id", "url", "merchant__name")
    exclude = ("secret_sealed", "previous_secret_sealed")


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "response_code", "duration_ms", "error")
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ("public_id", "endpoint", "event_type", "status", "attempts", "response_code", "created_at")
    list_filter = ("status", "event_type")
    search_fields = ("public_id", "event_public_id", "endpoint__public_id")
    raw_id_fields = ("endpoint", "event")
    inlines = [AttemptInline]
