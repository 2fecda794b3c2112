from django.contrib import admin

from o2o.orders.models import Cart, CartLine, Order, OrderLine, PaymentRecord


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    raw_id_fields = ("sku", "slot")


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("public_id", "customer", "created_at", "updated_at")
    search_fields = ("public_id", "customer__username")
    list_filter = ("updated_at",)
    raw_id_fields = ("customer",)
    inlines = [CartLineInline]


@admin.register(CartLine)
class CartLineAdmin(admin.ModelAdmin):
    list_display = ("public_id", "cart", "sku", "quantity", "slot", "updated_at")
    search_fields = ("public_id", "cart__customer__username", "sku__public_id")
    list_filter = ("updated_at",)
    raw_id_fields = ("cart", "sku", "slot")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    raw_id_fields = ("product", "sku", "slot", "store")
    readonly_fields = ("title", "sku_name", "list_unit_price_fen", "unit_price_fen", "quantity", "discount_fen",
                       "merchant_funded_fen", "platform_funded_fen", "line_total_fen", "kind")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("public_id", "merchant", "customer", "kind", "status", "total_fen",
                    "payment_deadline", "paid_at", "created_at")
    search_fields = ("public_id", "checkout_group", "gateway_txn_id", "customer__username",
                     "merchant__name")
    list_filter = ("status", "kind", "close_reason")
    date_hierarchy = "created_at"
    raw_id_fields = ("customer", "merchant")
    # The state machine lives in orders.services; the admin only looks.
    readonly_fields = ("status", "total_fen", "discount_fen", "platform_subsidy_fen", "paid_at", "paid_amount_fen",
                       "gateway_txn_id", "closed_at", "close_reason")
    inlines = [OrderLineInline]


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("public_id", "order", "kind", "title", "sku_name", "unit_price_fen", "quantity",
                    "discount_fen", "line_total_fen", "slot", "store")
    search_fields = ("public_id", "order__public_id", "title")
    list_filter = ("kind",)
    raw_id_fields = ("order", "product", "sku", "slot", "store")


@admin.register(PaymentRecord)
class PaymentRecordAdmin(admin.ModelAdmin):
    list_display = ("gateway_txn_id", "order", "amount_fen", "recorded_at")
    search_fields = ("gateway_txn_id", "order__public_id")
    list_filter = ("recorded_at",)
    raw_id_fields = ("order",)
