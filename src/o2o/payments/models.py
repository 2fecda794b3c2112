"""Payment attempts, refunds, every notification received, and payments held for an operator.

One order may have many payment attempts (a new channel, an expired prepay): each
attempt has its own `out_trade_no`, distinct from the order id, because the gateway
refuses to reuse a trade number with different parameters.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from o2o.core import ids


def _pid(prefix: str):
    return getattr(ids, f"new_{prefix}_id")


class Channel(models.TextChoices):
    JSAPI = "jsapi", "JSAPI (in-app wallet)"
    NATIVE = "native", "Native (QR code)"
    H5 = "h5", "H5 (mobile browser)"


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Created"
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CLOSED = "closed", "Closed"


class Payment(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("pay"), editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payment_attempts")
    customer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=16, default="wechatpay")
    out_trade_no = models.CharField(max_length=32, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    amount_fen = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(max_length=12, choices=PaymentStatus.choices,
                              default=PaymentStatus.CREATED, db_index=True)
    description = models.CharField(max_length=127)
    payer_openid = models.CharField(max_length=128, blank=True, default="")
    client_ip = models.CharField(max_length=45, blank=True, default="")
    time_expire = models.DateTimeField()
    prepay_id = models.CharField(max_length=64, blank=True, default="")
    code_url = models.CharField(max_length=256, blank=True, default="")
    h5_url = models.CharField(max_length=512, blank=True, default="")
    transaction_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    trade_state = models.CharField(max_length=16, blank=True, default="")
    paid_at = models.DateTimeField(null=True, blank=True)
    raw_notification = models.JSONField(null=True, blank=True)  # the last decrypted transaction
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="payment_order_idempotency_key_uniq"),
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="payment_status_idx")]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.out_trade_no})"


class RefundStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RefundSource(models.TextChoices):
    VOUCHER = "voucher", "Voucher refund request"
    ORDER = "order", "Goods order refund"
    CLOSED_ORDER = "closed_order", "Payment for a closed or already paid order"
    OPERATOR = "operator", "Operator"


class Refund(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("rfd"), editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=64, unique=True)
    amount_fen = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(max_length=12, choices=RefundStatus.choices,
                              default=RefundStatus.PROCESSING, db_index=True)
    reason = models.CharField(max_length=80, blank=True, default="")
    source = models.CharField(max_length=16, choices=RefundSource.choices)
    # The public id of what asked for it (a VoucherRefund, an order), one refund per source.
    source_ref = models.CharField(max_length=64, blank=True, default="")
    refund_id = models.CharField(max_length=64, blank=True, default="")  # the gateway's id
    gateway_status = models.CharField(max_length=16, blank=True, default="")
    submitted_at = models.DateTimeField(null=True, blank=True)  # accepted by the gateway
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, default="")
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_ref"], condition=~Q(source_ref=""),
                                    name="refund_source_ref_uniq"),
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.amount_fen} fen"


class NotificationLog(models.Model):
    """Every notification the notify endpoint received, accepted or rejected."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("ntf"), editable=False)
    received_at = models.DateTimeField(db_index=True)
    notification_id = models.CharField(max_length=64, blank=True, default="")
    event_type = models.CharField(max_length=40, blank=True, default="")
    verified = models.BooleanField(default=False)
    outcome = models.CharField(max_length=24)  # applied | duplicate | held | refunded | rejected ...
    reason = models.CharField(max_length=300, blank=True, default="")
    out_trade_no = models.CharField(max_length=32, blank=True, default="")
    transaction_id = models.CharField(max_length=64, blank=True, default="")
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.event_type} {self.outcome}"


class HeldStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class HeldPayment(models.Model):
    """Money the gateway says arrived but that was not credited (the amount differs
    from the attempt's): an operator decides (usually refunds it)."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("hld"), editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="held")
    transaction_id = models.CharField(max_length=64, unique=True)
    expected_fen = models.PositiveIntegerField()
    received_fen = models.PositiveIntegerField()
    reason = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=HeldStatus.choices, default=HeldStatus.OPEN,
                              db_index=True)
    note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.received_fen} fen held"


class HeldAction(models.TextChoices):
    REFUND = "refund", "Refunded to the payer"
    DISMISS = "dismiss", "Dismissed with a note"


class HeldResolution(models.Model):
    """How an operator settled a held payment: refunded through the gateway or dismissed."""

    held = models.OneToOneField(HeldPayment, on_delete=models.PROTECT, related_name="resolution")
    action = models.CharField(max_length=8, choices=HeldAction.choices)
    operator = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True, default="")
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.held.public_id}: {self.action}"


# --- reconciliation against the gateway's daily trade bill ----------------------------------

class ReconciliationStatus(models.TextChoices):
    BALANCED = "balanced", "Balanced (no differences)"
    DIFFERENCES = "differences", "Differences to resolve"
    RESOLVED = "resolved", "Every difference resolved"
    FAILED = "failed", "Bill could not be fetched or read"


class ReconciliationRun(models.Model):
    """One business day (Asia/Shanghai) matched against the gateway's bill. One run per
    day: reconciling the day again refreshes it."""

    public_id = models.CharField(max_length=24, unique=True, default=_pid("rec"), editable=False)
    bill_date = models.DateField(unique=True)
    status = models.CharField(max_length=12, choices=ReconciliationStatus.choices, db_index=True)
    provider = models.CharField(max_length=16, default="wechatpay")
    bill_hash = models.CharField(max_length=64, blank=True, default="")
    error = models.CharField(max_length=300, blank=True, default="")
    bill_payment_count = models.PositiveIntegerField(default=0)
    bill_refund_count = models.PositiveIntegerField(default=0)
    bill_payment_fen = models.BigIntegerField(default=0)
    bill_refund_fen = models.BigIntegerField(default=0)
    platform_payment_count = models.PositiveIntegerField(default=0)
    platform_refund_count = models.PositiveIntegerField(default=0)
    platform_payment_fen = models.BigIntegerField(default=0)
    platform_refund_fen = models.BigIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    difference_count = models.PositiveIntegerField(default=0)
    unresolved_count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    reconciled_at = models.DateTimeField(null=True, blank=True)  # the last successful match
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-bill_date"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.bill_date} {self.status}"


class BillLineType(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"


class BillLine(models.Model):
    """One detail row of the gateway's bill, amounts converted from yuan to fen."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()  # 1-based row number in the bill
    type = models.CharField(max_length=8, choices=BillLineType.choices)
    trade_time = models.DateTimeField(null=True, blank=True)
    out_trade_no = models.CharField(max_length=64, blank=True, default="", db_index=True)
    transaction_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    trade_state = models.CharField(max_length=16, blank=True, default="")
    amount_fen = models.BigIntegerField()
    out_refund_no = models.CharField(max_length=64, blank=True, default="", db_index=True)
    refund_id = models.CharField(max_length=64, blank=True, default="")
    refund_status = models.CharField(max_length=16, blank=True, default="")
    fee_fen = models.BigIntegerField(default=0)
    raw = models.TextField()

    class Meta:
        ordering = ["run", "line_no"]
        constraints = [models.UniqueConstraint(fields=["run", "line_no"], name="bill_line_run_line_no_uniq")]

    def __str__(self) -> str:
        return f"{self.run.bill_date} #{self.line_no} {self.type} {self.amount_fen}"


class DifferenceKind(models.TextChoices):
    MISSING_IN_PLATFORM = "missing_in_platform", "In the bill, not on the platform"
    MISSING_IN_BILL = "missing_in_bill", "On the platform, not in the bill"
    AMOUNT_MISMATCH = "amount_mismatch", "Amounts differ"
    STATUS_MISMATCH = "status_mismatch", "States differ"


class ReconciliationDifference(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("rcd"), editable=False)
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="differences")
    bill_line = models.ForeignKey(BillLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=DifferenceKind.choices, db_index=True)
    type = models.CharField(max_length=8, choices=BillLineType.choices)
    out_trade_no = models.CharField(max_length=64, blank=True, default="")
    transaction_id = models.CharField(max_length=64, blank=True, default="")
    out_refund_no = models.CharField(max_length=64, blank=True, default="")
    gateway_refund_id = models.CharField(max_length=64, blank=True, default="")
    payment = models.ForeignKey(Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    refund = models.ForeignKey(Refund, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    platform_amount_fen = models.BigIntegerField(null=True, blank=True)
    bill_amount_fen = models.BigIntegerField(null=True, blank=True)
    platform_status = models.CharField(max_length=16, blank=True, default="")
    bill_status = models.CharField(max_length=16, blank=True, default="")
    detail = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind} {self.out_refund_no or self.out_trade_no}"
