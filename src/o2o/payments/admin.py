from django.contrib import admin

from o2o.payments.models import (
    BillLine,
    HeldPayment,
    HeldResolution,
    NotificationLog,
    Payment,
    ReconciliationDifference,
    ReconciliationRun,
    Refund,
)


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


class BillLineInline(admin.TabularInline):
    model = BillLine
    extra = 0
    can_delete = False
    fields = ("line_no", "type", "trade_time", "out_trade_no", "transaction_id", "trade_state", "amount_fen",
              "out_refund_no", "refund_status")
    readonly_fields = fields


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    list_display = ("public_id", "bill_date", "status", "bill_payment_count", "bill_refund_count",
                    "matched_count", "difference_count", "unresolved_count", "reconciled_at")
    search_fields = ("public_id", "bill_hash", "error")
    list_filter = ("status", "provider")
    date_hierarchy = "bill_date"
    readonly_fields = ("public_id",)
    inlines = (BillLineInline,)


@admin.register(BillLine)
class BillLineAdmin(admin.ModelAdmin):
    list_display = ("run", "line_no", "type", "trade_time", "out_trade_no", "transaction_id", "trade_state",
                    "amount_fen", "out_refund_no")
    search_fields = ("out_trade_no", "transaction_id", "out_refund_no", "refund_id", "run__public_id")
    list_filter = ("type", "trade_state")
    raw_id_fields = ("run",)


@admin.register(ReconciliationDifference)
class ReconciliationDifferenceAdmin(admin.ModelAdmin):
    list_display = ("public_id", "run", "kind", "type", "out_trade_no", "out_refund_no", "platform_amount_fen",
                    "bill_amount_fen", "resolved_at", "resolved_by")
    search_fields = ("public_id", "out_trade_no", "transaction_id", "out_refund_no", "gateway_refund_id",
                     "run__public_id", "note")
    list_filter = ("kind", "type", ("resolved_at", admin.EmptyFieldListFilter))
    raw_id_fields = ("run", "bill_line", "payment", "refund", "resolved_by")


@admin.register(HeldResolution)
class HeldResolutionAdmin(admin.ModelAdmin):
    list_display = ("held", "action", "operator", "refund", "created_at")
    search_fields = ("held__public_id", "held__transaction_id", "note")
    list_filter = ("action",)
    raw_id_fields = ("held", "operator", "refund")
