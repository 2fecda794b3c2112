"""The sandbox gateway's own state: registered merchants, transactions, refunds, and
the notifications it owes to merchants' notify URLs (with their next attempt time);
and the sandbox OAuth server's codes (sandbox.oauth)."""

from __future__ import annotations

from django.db import models


class SandboxMerchant(models.Model):
    mchid = models.CharField(max_length=32, unique=True)
    appid = models.CharField(max_length=32)
    cert_serial_no = models.CharField(max_length=64)  # the merchant API certificate serial
    public_key_pem = models.TextField()  # verifies the merchant's Authorization signatures
    apiv3_key = models.CharField(max_length=32)  # encrypts notification resources
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.mchid


class TradeState(models.TextChoices):
    NOTPAY = "NOTPAY"
    SUCCESS = "SUCCESS"
    REFUND = "REFUND"
    CLOSED = "CLOSED"
    PAYERROR = "PAYERROR"


class SandboxTransaction(models.Model):
    merchant = models.ForeignKey(SandboxMerchant, on_delete=models.CASCADE, related_name="transactions")
    out_trade_no = models.CharField(max_length=32)
    trade_type = models.CharField(max_length=8)  # JSAPI | NATIVE | MWEB
    params_digest = models.CharField(max_length=64)  # same out_trade_no + other params = OUT_TRADE_NO_USED
    appid = models.CharField(max_length=32)
    description = models.CharField(max_length=127)
    attach = models.CharField(max_length=128, blank=True, default="")
    notify_url = models.CharField(max_length=256)
    amount_fen = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="CNY")
    time_expire = models.DateTimeField(null=True, blank=True)
    payer_openid = models.CharField(max_length=128, blank=True, default="")
    prepay_id = models.CharField(max_length=64, unique=True)
    code = models.CharField(max_length=32, unique=True)  # the cashier token in code_url
    trade_state = models.CharField(max_length=10, choices=TradeState.choices, default=TradeState.NOTPAY)
    transaction_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "out_trade_no"],
                                               name="sandbox_txn_out_trade_no_uniq")]

    def __str__(self) -> str:
        return self.out_trade_no


class SandboxRefund(models.Model):
    transaction = models.ForeignKey(SandboxTransaction, on_delete=models.CASCADE, related_name="refunds")
    out_refund_no = models.CharField(max_length=64)
    refund_id = models.CharField(max_length=32, unique=True)
    amount_fen = models.PositiveIntegerField()
    reason = models.CharField(max_length=80, blank=True, default="")
    notify_url = models.CharField(max_length=256, blank=True, default="")
    status = models.CharField(max_length=12, default="PROCESSING")  # PROCESSING | SUCCESS | ABNORMAL | CLOSED
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["transaction", "out_refund_no"],
                                               name="sandbox_refund_no_uniq")]

    def __str__(self) -> str:
        return self.out_refund_no


class SandboxNotification(models.Model):
    """A notification owed to a notify URL; retried with WeChat's back-off until a 2xx."""

    merchant = models.ForeignKey(SandboxMerchant, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=256)
    event_type = models.CharField(max_length=32)
    body = models.TextField()  # the plain envelope (resource already encrypted); signed at each send
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)  # null = finished
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.url}"


class SandboxOAuthCode(models.Model):
    """A code the sandbox OAuth server handed to a redirect_uri: single use, 5 minutes."""

    code = models.CharField(max_length=64, unique=True)
    appid = models.CharField(max_length=32)
    user_key = models.CharField(max_length=16)  # one of sandbox.oauth.DEMO_USERS
    scope = models.CharField(max_length=20)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.code[:8]
