from django.contrib import admin

from o2o.shipping.models import (
    AfterSale,
    AfterSaleLine,
    CarrierPush,
    Parcel,
    ParcelItem,
    PickupCode,
    TrackingEvent,
)


class ParcelItemInline(admin.TabularInline):
    model = ParcelItem
    extra = 0
    raw_id_fields = ("order_line", "location")


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    readonly_fields = ("event_id", "status", "occurred_at", "city", "description", "applied", "received_at")


@admin.register(Parcel)
class ParcelAdmin(admin.ModelAdmin):
    list_display = ("public_id", "order", "merchant", "direction", "carrier", "tracking_number", "status",
                    "last_event_at", "delivered_at")
    search_fields = ("public_id", "tracking_number", "order__public_id")
    list_filter = ("status", "direction", "carrier")
    raw_id_fields = ("order", "merchant", "after_sale")
    inlines = [ParcelItemInline, TrackingEventInline]


@admin.register(TrackingEvent)
class TrackingEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "parcel", "carrier", "status", "occurred_at", "city", "applied", "received_at")
    search_fields = ("event_id", "parcel__tracking_number", "parcel__public_id")
    list_filter = ("status", "applied", "carrier")
    raw_id_fields = ("parcel",)


@admin.register(CarrierPush)
class CarrierPushAdmin(admin.ModelAdmin):
    list_display = ("event_id", "carrier", "parcel", "attempts", "delivered_at", "last_error", "created_at")
    search_fields = ("event_id", "parcel__tracking_number")
    list_filter = ("carrier",)
    raw_id_fields = ("parcel",)


@admin.register(PickupCode)
class PickupCodeAdmin(admin.ModelAdmin):
    list_display = ("order", "merchant", "store", "status", "created_at", "collected_at", "collected_by")
    search_fields = ("order__public_id", "store__name")
    list_filter = ("status",)
    raw_id_fields = ("order", "merchant", "store", "collected_by")
    exclude = ("code",)  # the code is the goods: not shown to back-office users


class AfterSaleLineInline(admin.TabularInline):
    model = AfterSaleLine
    extra = 0
    raw_id_fields = ("order_line",)


@admin.register(AfterSale)
class AfterSaleAdmin(admin.ModelAdmin):
    list_display = ("public_id", "order", "merchant", "kind", "status", "requested_fen", "refunded_fen",
                    "created_at")
    search_fields = ("public_id", "order__public_id", "reason")
    list_filter = ("status", "kind")
    raw_id_fields = ("order", "customer", "merchant", "restock_location")
    inlines = [AfterSaleLineInline]
