"""Verified reviews and their aggregates."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from o2o.core.ids import id_factory


class ReviewStatus(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden by an operator"


class Review(models.Model):
    """A verified buyer's review of a product, one per order line."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("rev"), editable=False)
    order_line = models.OneToOneField("orders.OrderLine", on_delete=models.PROTECT, related_name="review")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="reviews")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="reviews")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="reviews")
    store = models.ForeignKey("merchants.Store", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="reviews")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, default="")
    photos = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.VISIBLE,
                              db_index=True)
    hidden_reason = models.CharField(max_length=500, blank=True, default="")
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    hidden_at = models.DateTimeField(null=True, blank=True)
    reply_text = models.TextField(blank=True, default="")
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_5"),
        ]
        indexes = [models.Index(fields=["product", "status", "-id"], name="review_product_status")]

    def __str__(self) -> str:
        return f"{self.rating}* {self.product_id} by {self.customer_id}"


class AggregateScope(models.TextChoices):
    PRODUCT = "product", "Product"
    STORE = "store", "Store"
    MERCHANT = "merchant", "Merchant"


class ReviewAggregate(models.Model):
    """Count and sum of the visible ratings of a product, store or merchant; changed with a
    conditional UPDATE in the transaction that creates, hides or unhides a review."""

    scope = models.CharField(max_length=8, choices=AggregateScope.choices)
    object_pk = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["scope", "object_pk"]
        constraints = [models.UniqueConstraint(fields=["scope", "object_pk"], name="review_agg_unique")]

    def __str__(self) -> str:
        return f"{self.scope} {self.object_pk}: {self.count}"

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None
