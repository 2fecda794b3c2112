from django.contrib import admin

from o2o.inventory.models import (
    Closure,
    Reservation,
    Schedule,
    Slot,
    StockLevel,
    StockLocation,
    VoucherQuota,
)


@admin.register(StockLocation)
class StockLocationAdmin(admin.ModelAdmin):
    list_display = ("public_id", "name", "merchant", "kind", "store", "priority", "is_active")
    search_fields = ("public_id", "name", "merchant__name")
    list_filter = ("kind", "is_active")
    raw_id_fields = ("merchant", "store")


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ("public_id", "sku", "location", "on_hand", "reserved", "updated_at")
    search_fields = ("public_id", "sku__public_id", "sku__product__title", "location__name")
    list_filter = ("location__kind",)
    raw_id_fields = ("sku", "location")
    # Counts change only through conditional updates in services; keep them read-only here.
    readonly_fields = ("on_hand", "reserved")


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ("public_id", "order_line", "sku", "location", "quantity", "state", "created_at")
    search_fields = ("public_id", "order_line__order__public_id", "sku__public_id")
    list_filter = ("state",)
    raw_id_fields = ("order_line", "sku", "location")


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("public_id", "product", "store", "weekdays", "start_time", "end_time",
                    "slot_minutes", "capacity", "valid_from", "valid_until", "is_active")
    search_fields = ("public_id", "product__title", "store__name")
    list_filter = ("is_active",)
    raw_id_fields = ("product", "store")


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ("public_id", "product", "store", "starts_at", "ends_at", "capacity", "booked",
                    "is_closed")
    search_fields = ("public_id", "product__title", "store__name")
    list_filter = ("is_closed",)
    date_hierarchy = "starts_at"
    raw_id_fields = ("product", "store", "schedule")
    readonly_fields = ("booked",)


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("store", "product", "date", "reason", "created_at")
    search_fields = ("store__name", "product__title", "reason")
    list_filter = ("date",)
    raw_id_fields = ("store", "product")


@admin.register(VoucherQuota)
class VoucherQuotaAdmin(admin.ModelAdmin):
    list_display = ("product", "total", "sold", "updated_at")
    search_fields = ("product__title", "product__public_id")
    list_filter = ("updated_at",)
    raw_id_fields = ("product",)
    readonly_fields = ("sold",)
