"""How people prove who they are besides a password, and what became of accounts.

- PhoneIdentity: a phone number bound to one account (signing in with a code sent to it
  reaches that account). A number is bound to at most one account, an account has at
  most one number.
- PhoneCode: a one-time code sent by SMS; only a keyed digest of it is stored. It is good
  for 5 minutes and 5 wrong tries, and is used once.
- SmsMessage: the sandbox SMS provider's inbox (the demo reads codes from it).
- MergeRecord: account `absorbed` was merged into `survivor`; anything that still names
  the absorbed account (ledger entries, outbox events) resolves through it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from o2o.core.ids import id_factory


class Purpose(models.TextChoices):
    SIGN_IN = "sign_in", "Sign in"
    BIND = "bind", "Bind to the signed-in account"
    MERGE = "merge", "Prove a second account for merging"
    DELETE = "delete", "Confirm deleting the account"


class PhoneIdentity(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="phone_identity")
    phone = models.CharField(max_length=16, unique=True)  # E.164: +8613812345678
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"phone of {self.user_id}"


class PhoneCode(models.Model):
    phone = models.CharField(max_length=16)
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    # The account that asked (bind, merge, delete); none for sign-in.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+")
    digest = models.CharField(max_length=64)  # HMAC-SHA256 of the code, keyed by SECRET_KEY
    ip = models.CharField(max_length=45, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone", "created_at"], name="phone_code_phone_idx"),
            models.Index(fields=["ip", "created_at"], name="phone_code_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code #{self.pk}"


class SmsMessage(models.Model):
    phone = models.CharField(max_length=16, db_index=True)
    text = models.CharField(max_length=300)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"sms #{self.pk}"


class MergeRecord(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=id_factory("mrg"), editable=False)
    absorbed = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merged_into")
    survivor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merges")
    proof = models.CharField(max_length=10)  # phone | password
    moved = models.JSONField(default=dict)  # rows moved, per kind
    merged_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.absorbed_id} -> {self.survivor_id}"
