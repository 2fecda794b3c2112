from django.contrib import admin

from o2o.ledger.models import (
    Account,
    JournalEntry,
    JournalLine,
    Payout,
    PayoutLine,
    SettlementItem,
    SettlementStatement,
)


class ReadOnlyMixin:
    """The books change only through the ledger services: the admin reads them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "public_id", "kind", "merchant", "currency", "created_at")
    search_fields = ("public_id", "name", "merchant__name", "merchant__public_id")
    list_filter = ("kind", "currency")


class JournalLineInline(ReadOnlyMixin, admin.TabularInline):
    model = JournalLine
    fields = ("account", "amount_fen", "currency")
    readonly_fields = fields
    extra = 0


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("public_id", "kind", "occurred_at", "business_date", "merchant", "order", "source_type",
                    "source_id")
    search_fields = ("public_id", "source_id", "memo", "order__public_id", "merchant__name")
    list_filter = ("kind", "source_type", "business_date")
    inlines = [JournalLineInline]


@admin.register(JournalLine)
class JournalLineAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("entry", "account", "amount_fen", "currency")
    search_fields = ("entry__public_id", "account__public_id", "account__name")
    list_filter = ("account__kind", "currency")


class SettlementItemInline(ReadOnlyMixin, admin.TabularInline):
    model = SettlementItem
    fields = ("entry", "gross_fen", "commission_fen", "net_fen")
    readonly_fields = fields
    extra = 0


@admin.register(SettlementStatement)
class SettlementStatementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("public_id", "merchant", "period_start", "period_end", "gross_fen", "commission_fen",
                    "net_fen", "entry_count", "payout")
    search_fields = ("public_id", "merchant__name", "merchant__public_id")
    list_filter = ("period_end", "currency")
    inlines = [SettlementItemInline]


@admin.register(SettlementItem)
class SettlementItemAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("statement", "entry", "gross_fen", "commission_fen", "net_fen")
    search_fields = ("statement__public_id", "entry__public_id")
    list_filter = ("entry__kind",)


class PayoutLineInline(ReadOnlyMixin, admin.TabularInline):
    model = PayoutLine
    fields = ("merchant", "amount_fen")
    readonly_fields = fields
    extra = 0


@admin.register(Payout)
class PayoutAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("public_id", "status", "total_fen", "currency", "created_at", "paid_at", "bank_reference")
    search_fields = ("public_id", "bank_reference")
    list_filter = ("status", "currency")
    inlines = [PayoutLineInline]


@admin.register(PayoutLine)
class PayoutLineAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("payout", "merchant", "amount_fen")
    search_fields = ("payout__public_id", "merchant__name", "merchant__public_id")
    list_filter = ("payout__status",)
