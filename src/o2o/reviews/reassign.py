"""Reviews of one customer account handed to another (account merging in o2o.identity).
Writes: reviews.Review (customer). Joins the caller's transaction. Error codes: none."""

from __future__ import annotations

from django.db import transaction

from o2o.reviews.models import Review


def reassign_customer(from_user_id: int, to_user_id: int) -> dict[str, int]:
    with transaction.atomic():
        reviews = Review.objects.filter(customer_id=from_user_id).update(customer_id=to_user_id)
    return {"reviews": reviews}
