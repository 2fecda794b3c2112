"""Users and API tokens.

`User.role` is the kind of account, not what the person may do for a merchant:
- customer: a person's own account. It buys, and it may also work for a merchant;
  working for one is a merchants.StaffMember row, so the customer side is kept.
- merchant_staff: a work account that a merchant owner created for the counter. It
  never buys (the owner knows its password) and ends when the owner removes it.
- merchant_owner: the account that applied to sell.
- operator: the platform's operators.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from o2o.core.ids import id_factory


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    MERCHANT_OWNER = "merchant_owner", "Merchant owner"
    MERCHANT_STAFF = "merchant_staff", "Merchant staff"
    OPERATOR = "operator", "Platform operator"


class User(AbstractUser):
    public_id = models.CharField(max_length=24, unique=True, default=id_factory("usr"), editable=False)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CUSTOMER, db_index=True)
    display_name = models.CharField(max_length=100, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="")

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR


class Scope(models.TextChoices):
    """What a token may do on the merchant API (o2o.api.scopes maps paths to scopes)."""

    CATALOG_READ = "catalog:read", "Read the catalogue"
    CATALOG_WRITE = "catalog:write", "Change the catalogue"
    ORDERS = "orders", "Orders, shipping and after-sales"
    REDEMPTION = "redemption", "Redeem vouchers and pick-ups"
    FINANCE = "finance", "Balances, settlements and payouts"


DEFAULT_RATE_PER_MINUTE = 600


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 digest of the secret is stored;
    the secret is shown once, when the token is created."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("tok"), editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list)  # Scope values this token may use
    rate_per_minute = models.PositiveIntegerField(default=DEFAULT_RATE_PER_MINUTE)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
