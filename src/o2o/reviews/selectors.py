"""Reads of reviews for the API, scoped to the merchant whose products were reviewed.
No writes."""

from __future__ import annotations

from django.db.models import QuerySet

from o2o.merchants.models import Merchant
from o2o.reviews.models import Review


def merchant_reviews(merchant: Merchant) -> QuerySet[Review]:
    """Every review of the merchant's products, hidden ones included, with author,
    product and store joined in."""
    return Review.objects.filter(merchant=merchant).select_related("customer", "product", "store")
