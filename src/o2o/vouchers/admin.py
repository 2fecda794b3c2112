from django.contrib import admin

from o2o.vouchers.models import Redemption, Voucher, VoucherRefund


class RedemptionInline(admin.TabularInline):
    model = Redemption
    extra = 0
    can_delete = False
    raw_id_fields = ("store", "staff", "reversed_by", "merchant")
    readonly_fields = ("public_id", "uses", "created_at", "local_date", "reversed_at")


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = ("public_id", "title", "merchant", "customer", "status", "uses_left", "uses_total",
                    "valid_from", "valid_until", "created_at")
    search_fields = ("public_id", "code", "order__public_id", "customer__username", "title")
    list_filter = ("status", "all_stores", "valid_until")
    raw_id_fields = ("order", "order_line", "customer", "merchant", "product", "slot", "stores")
    # Uses and status change only through the services (conditional updates).
    readonly_fields = ("code", "uses_total", "uses_left", "status", "price_fen")
    inlines = [RedemptionInline]


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ("public_id", "voucher", "merchant", "store", "staff", "uses", "created_at",
                    "local_date", "reversed_at")
    search_fields = ("public_id", "voucher__public_id", "voucher__code", "staff__username")
    list_filter = ("local_date", "reversed_at")
    raw_id_fields = ("voucher", "merchant", "store", "staff", "reversed_by")
    readonly_fields = ("uses",)


@admin.register(VoucherRefund)
class VoucherRefundAdmin(admin.ModelAdmin):
    list_display = ("public_id", "voucher", "merchant", "customer", "uses", "amount_fen", "source",
                    "status", "created_at")
    search_fields = ("public_id", "voucher__public_id", "order__public_id", "customer__username")
    list_filter = ("status", "source", "created_at")
    raw_id_fields = ("voucher", "order", "customer", "merchant")
    readonly_fields = ("uses", "amount_fen")
