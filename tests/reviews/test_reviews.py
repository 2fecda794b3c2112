"""Verified reviews: who may review, once, within the window; replies; moderation and
aggregates (product, store, merchant) after hide/unhide."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.reviews import services as reviews
from o2o.reviews.models import ReviewAggregate
from o2o.reviews.rating import bayesian
from o2o.search import services as search
from o2o.search.models import SearchDocument
from o2o.vouchers import services as vouchers
from tests import factories
from tests.reviews import builders as rb
from tests.vouchers import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return builders.world()


def totals(scope: str, pk: int) -> tuple[int, int]:
    return reviews.rating_totals(scope, pk)


def test_redeemed_service_may_be_reviewed_once(w):
    line, _ = rb.redeemed_service(w)
    review = reviews.create_review(w.customer, line.public_id, 4, "很好", ["https://img.example/1.jpg"])
    assert review.store_id == w.store.pk
    with pytest.raises(Conflict) as exc:
        reviews.create_review(w.customer, line.public_id, 5)
    assert exc.value.code == "already_reviewed"
    assert totals("product", line.product_id) == (1, 4)
    assert totals("store", w.store.pk) == (1, 4)
    assert totals("merchant", w.merchant.pk) == (1, 4)


def test_unused_or_reversed_voucher_is_not_verified(w):
    line = rb.bought_service(w)
    with pytest.raises(PermissionDenied) as exc:
        reviews.create_review(w.customer, line.public_id, 5)
    assert exc.value.code == "not_verified_buyer"
    line2, redemption = rb.redeemed_service(w)
    vouchers.reverse(w.staff, redemption.public_id)
    with pytest.raises(PermissionDenied):
        reviews.create_review(w.customer, line2.public_id, 5)


def test_goods_need_confirmed_delivery(w):
    delivered = rb.goods_order(w, confirm=False)
    with pytest.raises(PermissionDenied):
        reviews.create_review(w.customer, delivered.public_id, 3)
    done = rb.goods_order(w)
    review = reviews.create_review(w.customer, done.public_id, 3, "ok")
    assert review.rating == 3 and totals("product", done.product_id) == (1, 3)


def test_other_customers_line_is_not_found(w):
    line, _ = rb.redeemed_service(w)
    with pytest.raises(NotFound):
        reviews.create_review(factories.user(), line.public_id, 5)
    with pytest.raises(NotFound):
        reviews.create_review(w.customer, "oln_nonsense", 5)


def test_window_closes(w):
    line, _ = rb.redeemed_service(w)
    clock.advance(dt.timedelta(days=reviews.WINDOW_DAYS, minutes=1))
    with pytest.raises(Conflict) as exc:
        reviews.create_review(w.customer, line.public_id, 5)
    assert exc.value.code == "review_window_closed"


@pytest.mark.parametrize(("rating", "photos"), [(0, []), (6, []), (3, ["ftp://x"]), (3, ["https://a"] * 10)])
def test_bad_input(w, rating, photos):
    line, _ = rb.redeemed_service(w)
    with pytest.raises(ValidationFailed):
        reviews.create_review(w.customer, line.public_id, rating, "", photos)


def test_reply_once_by_owner_only(w):
    line, _ = rb.redeemed_service(w)
    review = reviews.create_review(w.customer, line.public_id, 2, "等太久")
    with pytest.raises(PermissionDenied):
        reviews.reply(w.staff, review.public_id, "抱歉")  # staff, not the owner
    with pytest.raises(NotFound):
        reviews.reply(w.rival.owner, review.public_id, "not mine")
    replied = reviews.reply(w.owner, review.public_id, "抱歉，我们会改进")
    assert replied.reply_text == "抱歉，我们会改进"
    with pytest.raises(Conflict):
        reviews.reply(w.owner, review.public_id, "again")


def test_hide_unhide_keep_aggregates_right(w):
    lines = [rb.redeemed_service(w)[0] for _ in range(3)]
    made = [reviews.create_review(w.customer, line.public_id, rating)
            for line, rating in zip(lines, (5, 1, 3), strict=True)]
    merchant_pk = w.merchant.pk
    assert totals("merchant", merchant_pk) == (3, 9)
    op = factories.operator()
    with pytest.raises(ValidationFailed):
        reviews.hide(op, made[1].public_id, "")
    with pytest.raises(PermissionDenied):
        reviews.hide(w.owner, made[1].public_id, "spam")
    reviews.hide(op, made[1].public_id, "abusive language")
    assert totals("merchant", merchant_pk) == (2, 8)
    assert totals("store", w.store.pk) == (2, 8)
    assert totals("product", lines[1].product_id) == (0, 0)
    with pytest.raises(Conflict):
        reviews.hide(op, made[1].public_id, "again")
    reviews.unhide(op, made[1].public_id)
    assert totals("merchant", merchant_pk) == (3, 9)
    with pytest.raises(Conflict):
        reviews.unhide(op, made[1].public_id)
    agg = ReviewAggregate.objects.get(scope="merchant", object_pk=merchant_pk)
    assert agg.average == pytest.approx(3.0)


def test_search_ranking_follows_reviews_through_the_outbox(w):
    line, _ = rb.redeemed_service(w, title="洗剪吹")
    search.reindex_product(line.product_id)
    reviews.create_review(w.customer, line.public_id, 5)
    events.relay()
    doc = SearchDocument.objects.get(doc_type="product", object_pk=line.product_id)
    assert (doc.rating_count, doc.rating_sum) == (1, 5)
    assert doc.rating_bayes == pytest.approx(bayesian(1, 5))
    assert doc.sales_recent == 1
