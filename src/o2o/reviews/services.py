"""Reviews: who may review (verified use or delivery), the merchant's reply, operator
moderation, and the aggregates kept in the same transaction as each change.

Writes reviews.Review and ReviewAggregate, with review.created / .replied / .hidden /
.unhidden outbox events (search refreshes its rating signals from them). Reads orders,
vouchers, catalog and merchants; the rating formula is reviews.rating.
Error codes: invalid_rating, text_too_long, invalid_photos, invalid_reply,
reason_required (422); not_verified_buyer (403, besides the role checks of
merchants.access); order_line_not_found, review_not_found (404); already_reviewed,
review_window_closed, already_replied, illegal_transition, aggregate_conflict (409).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max

from o2o.accounts.models import User
from o2o.catalog.models import Product, ProductKind
from o2o.catalog.selectors import get_public_product
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.merchants.access import merchant_of, require_customer, require_operator
from o2o.merchants.models import Merchant
from o2o.orders.models import OrderLine
from o2o.reviews.models import AggregateScope, Review, ReviewAggregate, ReviewStatus
from o2o.reviews.rating import bayesian
from o2o.vouchers.models import Redemption

WINDOW_DAYS = int(os.environ.get("O2O_REVIEW_WINDOW_DAYS", "30"))
MAX_PHOTOS = 9
MAX_TEXT = 2000


def rating_totals(scope: str, pk: int) -> tuple[int, int]:
    """(count, sum) of the visible ratings of a product, store or merchant."""
    row = ReviewAggregate.objects.filter(scope=scope, object_pk=pk).values_list("count", "total").first()
    return (row[0], row[1]) if row else (0, 0)


def aggregate(scope: str, pk: int) -> dict:
    count, total = rating_totals(scope, pk)
    return {"count": count, "sum": total, "average": round(total / count, 3) if count else None,
            "bayesian": round(bayesian(count, total), 3)}


def _bump(review: Review, sign: int) -> None:
    """Add (sign=+1) or remove (-1) the review's rating from its three aggregates."""
    now = clock.now()
    targets = [(AggregateScope.PRODUCT, review.product_id), (AggregateScope.MERCHANT, review.merchant_id)]
    if review.store_id:
        targets.append((AggregateScope.STORE, review.store_id))
    for scope, pk in targets:
        # Create the row if missing (a concurrent creator wins harmlessly), then a
        # conditional UPDATE so concurrent reviews never lose a count.
        ReviewAggregate.objects.bulk_create([ReviewAggregate(scope=scope, object_pk=pk, updated_at=now)],
                                            ignore_conflicts=True)
        qs = ReviewAggregate.objects.filter(scope=scope, object_pk=pk)
        if sign < 0:
            qs = qs.filter(count__gte=1, total__gte=review.rating)
        changed = qs.update(count=F("count") + sign, total=F("total") + sign * review.rating, updated_at=now)
        if changed != 1:
            raise Conflict("review aggregates out of step", "aggregate_conflict")


def _clean_photos(photos: Any) -> list[str]:
    if photos is None:
        return []
    if not isinstance(photos, list) or len(photos) > MAX_PHOTOS:
        raise ValidationFailed(f"photos: a list of at most {MAX_PHOTOS} URLs", "invalid_photos")
    out = []
    for url in photos:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > 500:
            raise ValidationFailed("each photo must be an http(s) URL of at most 500 characters",
                                   "invalid_photos")
        out.append(url)
    return out


def _used_at(line) -> tuple[dt.datetime | None, int | None]:
    """When the line was used (latest unreversed redemption, or goods delivery confirmed)
    and at which store, or (None, None) if it was not."""
    order = line.order
    if line.kind == ProductKind.SERVICE:
        reds = Redemption.objects.filter(voucher__order_line=line, reversed_at__isnull=True)
        latest = reds.aggregate(at=Max("created_at"))["at"]
        if latest is None:
            return None, None
        store_id = reds.order_by("-created_at", "-id").values_list("store_id", flat=True).first()
        return latest, store_id
    if order.status == "completed" and order.completed_at is not None:
        return order.completed_at, line.store_id
    return None, None


def create_review(customer: User, order_line_id: str, rating: int, text: str = "",
                  photos: list[str] | None = None) -> Review:
    """A verified buyer reviews the product of one of their order lines, once, within
    WINDOW_DAYS of using it (a redeemed voucher use, or a confirmed goods delivery)."""
    require_customer(customer)
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationFailed("rating must be an integer from 1 to 5", "invalid_rating")
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"text: at most {MAX_TEXT} characters", "text_too_long")
    photos = _clean_photos(photos)
    if not looks_like_id(order_line_id, "oln"):
        raise NotFound("no such order line", "order_line_not_found")
    with transaction.atomic():
        line = (OrderLine.objects.select_related("order", "product").select_for_update(of=("self",))
                .filter(public_id=order_line_id, order__customer=customer).first())
        if line is None:
            raise NotFound("no such order line", "order_line_not_found")
        if Review.objects.filter(order_line=line).exists():
            raise Conflict("this order line was already reviewed", "already_reviewed")
        used_at, store_id = _used_at(line)
        if used_at is None:
            raise PermissionDenied("only a customer who used the service or received the goods may "
                                   "review it", "not_verified_buyer")
        now = clock.now()
        if now > used_at + dt.timedelta(days=WINDOW_DAYS):
            raise Conflict(f"reviews are accepted within {WINDOW_DAYS} days of use", "review_window_closed")
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    order_line=line, order=line.order, product=line.product, merchant_id=line.order.merchant_id,
                    store_id=store_id, customer=customer, rating=rating, text=text, photos=photos,
                    created_at=now, updated_at=now)
        except IntegrityError as exc:  # a concurrent request for the same line won
            raise Conflict("this order line was already reviewed", "already_reviewed") from exc
        _bump(review, +1)
        events.emit("review.created", review, {"product_id": line.product.public_id, "rating": rating},
                    merchant_id=_merchant_pid(review))
    return review


def _merchant_pid(review: Review) -> str:
    return Merchant.objects.values_list("public_id", flat=True).get(pk=review.merchant_id)


def _review(public_id: str, **scope) -> Review:
    if not looks_like_id(public_id, "rev"):
        raise NotFound("no such review", "review_not_found")
    review = Review.objects.select_for_update().filter(public_id=public_id, **scope).first()
    if review is None:
        raise NotFound("no such review", "review_not_found")
    return review


def reply(user: User, review_id: str, text: str) -> Review:
    """The merchant's owner answers a review of their product, once."""
    merchant = merchant_of(user, owner_only=True)
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationFailed(f"reply text: 1 to {MAX_TEXT} characters", "invalid_reply")
    with transaction.atomic():
        review = _review(review_id, merchant=merchant)
        if review.replied_at is not None:
            raise Conflict("this review already has a reply", "already_replied")
        now = clock.now()
        changed = Review.objects.filter(pk=review.pk, replied_at__isnull=True).update(
            reply_text=text, replied_by=user, replied_at=now, updated_at=now)
        if changed != 1:
            raise Conflict("this review already has a reply", "already_replied")
        review.refresh_from_db()
        events.emit("review.replied", review, {"product_id": _product_pid(review)},
                    merchant_id=merchant.public_id)
    return review


def _product_pid(review: Review) -> str:
    return Product.objects.values_list("public_id", flat=True).get(pk=review.product_id)


def hide(operator: User, review_id: str, reason: str) -> Review:
    """An operator hides an abusive review; it leaves the public list and the aggregates."""
    require_operator(operator)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed("a reason of 1 to 500 characters is required", "reason_required")
    return _moderate(operator, review_id, ReviewStatus.VISIBLE, ReviewStatus.HIDDEN, reason)


def unhide(operator: User, review_id: str) -> Review:
    require_operator(operator)
    return _moderate(operator, review_id, ReviewStatus.HIDDEN, ReviewStatus.VISIBLE, "")


def _moderate(operator: User, review_id: str, source: str, target: str, reason: str) -> Review:
    with transaction.atomic():
        review = _review(review_id)
        if review.status != source:
            raise Conflict(f"the review is {review.status}", "illegal_transition")
        now = clock.now()
        hiding = target == ReviewStatus.HIDDEN
        changed = Review.objects.filter(pk=review.pk, status=source).update(
            status=target, hidden_reason=reason, hidden_by=operator if hiding else None,
            hidden_at=now if hiding else None, updated_at=now)
        if changed != 1:
            raise Conflict("the review changed meanwhile", "illegal_transition")
        _bump(review, -1 if hiding else +1)
        review.refresh_from_db()
        events.emit("review.hidden" if hiding else "review.unhidden", review,
                    {"product_id": _product_pid(review), "reason": reason, "operator": operator.public_id},
                    merchant_id=_merchant_pid(review))
    return review


def public_reviews(product_id: str):
    """Visible reviews of a public product, newest first (404 for unknown or hidden products)."""
    product = get_public_product(product_id)
    return product, (Review.objects.filter(product=product, status=ReviewStatus.VISIBLE)
                     .select_related("customer").order_by("-id"))
