"""Reads of reviews for the API and the web pages, scoped to the merchant whose products
were reviewed, or to an order the caller already may see. No writes."""

from __future__ import annotations

from django.db.models import QuerySet

from o2o.merchants.models import Merchant
from o2o.orders.models import Order
from o2o.reviews.models import Review


def merchant_reviews(merchant: Merchant) -> QuerySet[Review]:
    """Every review of the merchant's products, hidden ones included, with author,
    product and store joined in."""
    return Review.objects.filter(merchant=merchant).select_related("customer", "product", "store")


def reviewed_lines(order: Order) -> set[int]:
    """Ids of the lines of an order the caller already may see that have a review."""
    return set(Review.objects.filter(order=order).values_list("order_line_id", flat=True))


def line_reviewed(order_line_id: int) -> bool:
    """Whether the order line (of a voucher or order the caller already holds) has a review."""
    return Review.objects.filter(order_line_id=order_line_id).exists()
