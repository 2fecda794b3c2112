"""Each merchant's shipping fee rule.

It sits below orders (checkout prices the fee) and below shipping (which moves parcels
of orders), so neither imports the other to price a delivery. The table keeps the
name it had when the rule lived in the shipping app.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from o2o.merchants.models import Merchant


class RuleKind(models.TextChoices):
    FREE = "free", "Free shipping"
    FLAT = "flat", "Flat fee"
    FREE_OVER = "free_over", "Flat fee, free over an amount"
    BY_WEIGHT = "by_weight", "By weight"


class ShippingRule(models.Model):
    """How a merchant charges shipping. No rule: free."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="shipping_rule")
    kind = models.CharField(max_length=10, choices=RuleKind.choices, default=RuleKind.FREE)
    flat_fee_fen = models.PositiveIntegerField(default=0)  # flat and free_over
    free_over_fen = models.PositiveIntegerField(null=True, blank=True)  # any kind: free at/above
    first_weight_grams = models.PositiveIntegerField(default=1000)  # by_weight
    first_fee_fen = models.PositiveIntegerField(default=0)
    extra_weight_grams = models.PositiveIntegerField(default=1000)
    extra_fee_fen = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "shipping_shippingrule"
        constraints = [
            models.CheckConstraint(condition=Q(extra_weight_grams__gte=1), name="ship_rule_extra_weight_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.kind}"
