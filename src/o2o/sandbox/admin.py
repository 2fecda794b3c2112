from django.contrib import admin

from o2o.sandbox.models import (
    SandboxMerchant,
    SandboxNotification,
    SandboxRefund,
    SandboxTransaction,
)


@admin.register(SandboxMerchant)
class SandboxMerchantAdmin(admin.ModelAdmin):
    list_display = ("mchid", "appid", "cert_serial_no", "created_at")
    search_fields = ("mchid", "appid")
    list_filter = ("created_at",)


@admin.register(SandboxTransaction)
class SandboxTransactionAdmin(admin.ModelAdmin):
    list_display = ("out_trade_no", "merchant", "trade_type", "amount_fen", "trade_state", "transaction_id",
                    "created_at")
    search_fields = ("out_trade_no", "transaction_id", "prepay_id")
    list_filter = ("trade_state", "trade_type")


@admin.register(SandboxRefund)
class SandboxRefundAdmin(admin.ModelAdmin):
    list_display = ("out_refund_no", "refund_id", "transaction", "amount_fen", "status", "created_at")
    search_fields = ("out_refund_no", "refund_id", "transaction__out_trade_no")
    list_filter = ("status",)


@admin.register(SandboxNotification)
class SandboxNotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "event_type", "url", "attempts", "next_attempt_at", "delivered_at", "last_status")
    search_fields = ("url", "event_type")
    list_filter = ("event_type", "last_status")
