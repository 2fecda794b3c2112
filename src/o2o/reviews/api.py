"""Reviews: customers write, the public reads, merchant owners reply, operators moderate."""

import datetime as dt

from ninja import Field, Router, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.catalog.selectors import get_public_product
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema
from o2o.merchants.access import merchant_of
from o2o.reviews import selectors, services
from o2o.reviews.models import Review

router = Router(tags=["reviews"], auth=api_auth)


class ReviewIn(Schema):
    order_line_id: str = Field(..., max_length=40)
    rating: int = Field(..., ge=1, le=5)
    text: str = Field("", max_length=2000)
    photos: list[str] = Field(default_factory=list, max_length=9)


class ReplyIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000)


class HideIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class ReviewOut(Schema):
    id: str
    product_id: str
    store_id: str | None
    author: str
    rating: int
    text: str
    photos: list[str]
    reply: str | None
    replied_at: dt.datetime | None
    created_at: dt.datetime


class ModeratedOut(ReviewOut):
    status: str
    hidden_reason: str


class RatingOut(Schema):
    count: int
    sum: int
    average: float | None
    bayesian: float


def _author(review: Review) -> str:
    name = getattr(review.customer, "display_name", "") or review.customer.username
    return (name[:1] + "*" * 2) if name else "***"  # reviews are public: mask the buyer


def _out(review: Review) -> dict:
    return {"id": review.public_id, "product_id": review.product.public_id,
            "store_id": review.store.public_id if review.store_id else None, "author": _author(review),
            "rating": review.rating, "text": review.text, "photos": review.photos,
            "reply": review.reply_text or None, "replied_at": review.replied_at,
            "created_at": review.created_at, "status": review.status, "hidden_reason": review.hidden_reason}


class PublicReviewOut(ReviewOut):
    @staticmethod
    def resolve_id(obj) -> str:
        return obj.public_id

    @staticmethod
    def resolve_product_id(obj) -> str:
        return obj.product.public_id

    @staticmethod
    def resolve_store_id(obj) -> str | None:
        return obj.store.public_id if obj.store_id else None

    @staticmethod
    def resolve_author(obj) -> str:
        return _author(obj)

    @staticmethod
    def resolve_reply(obj) -> str | None:
        return obj.reply_text or None


class MerchantReviewOut(PublicReviewOut):
    status: str
    hidden_reason: str


@router.post("/reviews", response={201: ModeratedOut, **ERRORS})
def create_review(request, body: ReviewIn):
    """Review the product of one of your order lines after using it (a redeemed voucher use,
    or a confirmed goods delivery), once per line, within the review window."""
    review = services.create_review(request.auth, body.order_line_id, body.rating, body.text, body.photos)
    return Status(201, _out(review))


@router.get("/products/{product_id}/reviews", response=list[PublicReviewOut], auth=None)
@paginate(Cursor)
def product_reviews(request, product_id: str):
    """Visible reviews of a public product, newest first."""
    _, qs = services.public_reviews(product_id)
    return qs.select_related("product", "store")


@router.get("/products/{product_id}/rating", response={200: RatingOut, **ERRORS}, auth=None)
def product_rating(request, product_id: str):
    """Count, sum, average and Bayesian average of a public product's visible ratings."""
    product = get_public_product(product_id)
    return services.aggregate("product", product.pk)


@router.get("/merchant/reviews", response=list[MerchantReviewOut])
@paginate(Cursor)
def merchant_reviews(request):
    """Reviews of the signed-in staff member's merchant, newest first (hidden ones included)."""
    return selectors.merchant_reviews(merchant_of(request.auth))


@router.post("/merchant/reviews/{review_id}/reply", response={200: ModeratedOut, **ERRORS})
def reply(request, review_id: str, body: ReplyIn):
    """The merchant's owner replies to a review, once."""
    return _out(services.reply(request.auth, review_id, body.text))


@router.post("/operator/reviews/{review_id}/hide", response={200: ModeratedOut, **ERRORS})
def hide(request, review_id: str, body: HideIn):
    """An operator hides an abusive review with a reason; aggregates drop its rating."""
    return _out(services.hide(request.auth, review_id, body.reason))


@router.post("/operator/reviews/{review_id}/unhide", response={200: ModeratedOut, **ERRORS})
def unhide(request, review_id: str):
    """An operator shows a hidden review again; aggregates count it again."""
    return _out(services.unhide(request.auth, review_id))
