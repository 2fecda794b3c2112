from django.contrib import admin

from o2o.freight.models import ShippingRule


@admin.register(ShippingRule)
class ShippingRuleAdmin(admin.ModelAdmin):
    list_display = ("merchant", "kind", "flat_fee_fen", "free_over_fen", "first_fee_fen", "extra_fee_fen",
                    "updated_at")
    search_fields = ("merchant__name", "merchant__public_id")
    list_filter = ("kind",)
