"""Read-mostly admin of marketing: counters and statuses change only through the
services (conditional updates), so the admin shows them and does not edit them."""

from django.contrib import admin

from o2o.marketing.models import Coupon, CouponTemplate, CouponUse, SkuPrice, SpendTier


@admin.register(CouponTemplate)
class CouponTemplateAdmin(admin.ModelAdmin):
    list_display = ("public_id", "title", "merchant", "kind", "threshold_fen", "amount_off_fen", "percent_off",
                    "claimed", "total_quantity", "merchant_share_bp", "budget_cap_fen", "status")
    search_fields = ("public_id", "title", "merchant__name")
    list_filter = ("status", "kind", "product_scope")
    raw_id_fields = ("merchant", "created_by")
    readonly_fields = ("claimed", "status")


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ("public_id", "template", "customer", "status", "source", "valid_until", "claimed_at", "used_at")
    search_fields = ("public_id", "template__public_id", "customer__username")
    list_filter = ("status", "source")
    raw_id_fields = ("template", "customer")
    readonly_fields = ("status", "seq", "checkout_group", "used_at")


@admin.register(CouponUse)
class CouponUseAdmin(admin.ModelAdmin):
    list_display = ("coupon", "order_pk", "checkout_group", "amount_fen", "merchant_funded_fen",
                    "platform_funded_fen", "order_net_fen", "state")
    search_fields = ("coupon__public_id", "checkout_group")
    list_filter = ("state",)
    raw_id_fields = ("coupon", "template")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SpendTier)
class SpendTierAdmin(admin.ModelAdmin):
    list_display = ("public_id", "merchant", "threshold_fen", "amount_off_fen", "starts_at", "ends_at", "status")
    raw_id_fields = ("merchant",)
    list_filter = ("status",)


@admin.register(SkuPrice)
class SkuPriceAdmin(admin.ModelAdmin):
    list_display = ("public_id", "sku", "price_fen", "starts_at", "ends_at", "status")
    raw_id_fields = ("sku",)
    list_filter = ("status",)
