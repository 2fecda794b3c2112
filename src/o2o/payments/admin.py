from django.contrib import admin

from o2o.payments.models import HeldPayment, NotificationLog, Payment, Refund


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("public_id", "order", "out_trade_no", "channel", "amount_fen", "status", "transaction_id",
                    "created_at")
    search_fields = ("public_id", "out_trade_no", "transaction_id", "order__public_id")
    list_filter = ("status", "channel", "provider")
    readonly_fields = ("public_id", "raw_notification")
    raw_id_fields = ("order", "customer")


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("public_id", "payment", "out_refund_no", "amount_fen", "status", "source", "source_ref",
                    "created_at")
    search_fields = ("public_id", "out_refund_no", "refund_id", "source_ref", "payment__out_trade_no")
    list_filter = ("status", "source")
    raw_id_fields = ("payment",)


@admin.register(NotificationLog)
class NotificationLogAdmin(admin.ModelAdmin):
    list_display = ("public_id", "received_at", "event_type", "verified", "outcome", "out_trade_no",
                    "transaction_id")
    search_fields = ("public_id", "notification_id", "out_trade_no", "transaction_id", "reason")
    list_filter = ("verified", "outcome", "event_type")


@admin.register(HeldPayment)
class HeldPaymentAdmin(admin.ModelAdmin):
    list_display = ("public_id", "payment", "transaction_id", "expected_fen", "received_fen", "reason",
                    "status", "created_at")
    search_fields = ("public_id", "transaction_id", "payment__out_trade_no")
    list_filter = ("status", "reason")
    raw_id_fields = ("payment",)
