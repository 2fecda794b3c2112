"""Double-entry books in fen: accounts, journal entries and their lines; settlement
statements per merchant and business day; payouts batching settled statements.

Sign convention: a line's amount_fen is signed, debit positive and credit negative,
so every entry's lines sum to zero per currency. Liability and income accounts
(funds held for customers, merchant payables, commission revenue) therefore carry
negative sums; the services present them as positive credit balances.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from o2o.core import ids


def _pid(prefix: str):
    return getattr(ids, f"new_{prefix}_id")


class AccountKind(models.TextChoices):
    GATEWAY_CLEARING = "gateway_clearing", "Gateway clearing (asset: money at the payment gateway)"
    CUSTOMER_FUNDS_HELD = "customer_funds_held", "Customer funds held (liability)"
    MERCHANT_PAYABLE = "merchant_payable", "Merchant payable (liability, per merchant)"
    PLATFORM_COMMISSION = "platform_commission_revenue", "Platform commission revenue (income)"
    PLATFORM_MARKETING = "platform_marketing_expense", "Platform marketing expense (platform-funded discounts)"


#: Kinds whose natural balance is a credit (shown as -sum).
CREDIT_NORMAL = (AccountKind.CUSTOMER_FUNDS_HELD, AccountKind.MERCHANT_PAYABLE,
                 AccountKind.PLATFORM_COMMISSION)


class Account(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("acc"), editable=False)
    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="ledger_accounts")
    currency = models.CharField(max_length=3, default="CNY")
    name = models.CharField(max_length=140)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "currency"], condition=Q(merchant__isnull=True),
                                    name="ledger_account_platform_uniq"),
            models.UniqueConstraint(fields=["kind", "merchant", "currency"], condition=Q(merchant__isnull=False),
                                    name="ledger_account_merchant_uniq"),
            models.CheckConstraint(
                condition=Q(kind=AccountKind.MERCHANT_PAYABLE, merchant__isnull=False)
                | (~Q(kind=AccountKind.MERCHANT_PAYABLE) & Q(merchant__isnull=True)),
                name="ledger_account_merchant_iff_payable"),
        ]

    def __str__(self) -> str:
        return self.name


class EntryKind(models.TextChoices):
    PAYMENT_RECEIVED = "payment_received", "Customer payment received (held)"
    REFUND_PAID = "refund_paid", "Refund paid back to the customer"
    VOUCHER_REDEEMED = "voucher_redeemed", "Voucher use redeemed (recognized)"
    REDEMPTION_REVERSED = "redemption_reversed", "Redemption reversed"
    VOUCHER_BREAKAGE = "voucher_breakage", "Voucher expired unused without refund (recognized)"
    VOUCHER_ADJUSTED = "voucher_adjusted", "Voucher recognition brought in line with its uses"
    GOODS_COMPLETED = "goods_completed", "Goods order confirmed (recognized)"
    GOODS_ADJUSTED = "goods_adjusted", "Goods order recognition adjusted (a refund failed)"
    PAYOUT_PAID = "payout_paid", "Payout to merchants paid"
    MANUAL = "manual", "Manual adjustment"


#: Entries that move money from held funds to a merchant's payable: what settlement settles.
RECOGNITION_KINDS = (EntryKind.VOUCHER_REDEEMED, EntryKind.REDEMPTION_REVERSED, EntryKind.VOUCHER_BREAKAGE,
                     EntryKind.VOUCHER_ADJUSTED, EntryKind.GOODS_COMPLETED, EntryKind.GOODS_ADJUSTED)


class JournalEntry(models.Model):
    """One business fact, posted once: (source_type, source_id) is unique."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("jrn"), editable=False)
    kind = models.CharField(max_length=24, choices=EntryKind.choices, db_index=True)
    occurred_at = models.DateTimeField(db_index=True)
    business_date = models.DateField()  # occurred_at's day in the business zone (Asia/Shanghai)
    posted_at = models.DateTimeField()
    source_type = models.CharField(max_length=32)
    source_id = models.CharField(max_length=64)
    memo = models.CharField(max_length=200, blank=True, default="")
    # What the entry is about, for per-order, per-voucher and per-merchant reports.
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="journal_entries")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="journal_entries")
    voucher = models.ForeignKey("vouchers.Voucher", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="journal_entries")
    commission_rate_bp = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"], name="journal_entry_source_uniq"),
        ]
        indexes = [
            models.Index(fields=["merchant", "kind", "business_date"], name="journal_merchant_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    amount_fen = models.BigIntegerField()  # debit +, credit -
    currency = models.CharField(max_length=3, default="CNY")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="journal_line_amount_nonzero"),
        ]
        # Balances are SUM(amount_fen) per account: an index the sum can be read from.
        indexes = [models.Index(fields=["account", "amount_fen"], name="journal_line_balance_idx")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount_fen}"


class SettlementStatement(models.Model):
    """A merchant's recognized amounts up to a business day, settled T+N. One per merchant
    and period end; each entry is settled at most once (SettlementItem.entry is unique)."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("stl"), editable=False)
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="settlements")
    period_start = models.DateField()  # the earliest business day of its entries
    period_end = models.DateField()
    currency = models.CharField(max_length=3, default="CNY")
    gross_fen = models.BigIntegerField()  # recognized value (held funds released)
    commission_fen = models.BigIntegerField()
    net_fen = models.BigIntegerField()  # to the merchant: gross - commission
    entry_count = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    payout = models.ForeignKey("Payout", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="statements")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "period_end"], name="settlement_merchant_period_uniq"),
            models.CheckConstraint(condition=Q(gross_fen=models.F("commission_fen") + models.F("net_fen")),
                                   name="settlement_gross_is_commission_plus_net"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.period_end}"


class SettlementItem(models.Model):
    statement = models.ForeignKey(SettlementStatement, on_delete=models.PROTECT, related_name="items")
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="settlement_item")
    gross_fen = models.BigIntegerField()
    commission_fen = models.BigIntegerField()
    net_fen = models.BigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.entry_id}"


class PayoutStatus(models.TextChoices):
    CREATED = "created", "Created (bank file ready)"
    PAID = "paid", "Paid"


class Payout(models.Model):
    """A batch of settled statements, one line per merchant, paid by bank transfer."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("pyo"), editable=False)
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.CREATED,
                              db_index=True)
    currency = models.CharField(max_length=3, default="CNY")
    total_fen = models.BigIntegerField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    bank_reference = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(total_fen__gt=0), name="payout_total_positive")]

    def __str__(self) -> str:
        return self.public_id


class PayoutLine(models.Model):
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="lines")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="payout_lines")
    amount_fen = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "merchant"], name="payout_line_merchant_uniq"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_line_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payout_id}: {self.merchant_id} {self.amount_fen}"
