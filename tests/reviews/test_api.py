from __future__ import annotations

import pytest

from tests import factories
from tests.reviews import builders as rb
from tests.vouchers import builders

pytestmark = pytest.mark.django_db


def test_review_flow_over_http(api_as):
    w = builders.world()
    line, _ = rb.redeemed_service(w)
    customer = api_as(w.customer)
    r = customer.post("/reviews", {"order_line_id": line.public_id, "rating": 5, "text": "棒",
                                   "photos": ["https://img.example/a.jpg"]})
    assert r.status_code == 201, r.content
    review_id = r.json()["id"]
    again = customer.post("/reviews", {"order_line_id": line.public_id, "rating": 4})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reviewed"
    assert customer.post("/reviews", {"order_line_id": line.public_id, "rating": 6}).status_code == 422

    product_id = line.product.public_id
    public = api_as().get(f"/products/{product_id}/reviews")
    assert public.status_code == 200
    [item] = public.json()["results"]
    assert item["id"] == review_id and item["rating"] == 5 and item["author"].endswith("**")
    assert api_as().get(f"/products/{product_id}/rating").json()["count"] == 1

    owner = api_as(w.owner)
    r = owner.post(f"/merchant/reviews/{review_id}/reply", {"text": "谢谢"})
    assert r.status_code == 200 and r.json()["reply"] == "谢谢"
    assert owner.post(f"/merchant/reviews/{review_id}/reply", {"text": "x"}).status_code == 409
    assert api_as(w.rival.owner).post(f"/merchant/reviews/{review_id}/reply", {"text": "x"}).status_code == 404

    op = api_as(factories.operator())
    assert customer.post(f"/operator/reviews/{review_id}/hide", {"reason": "x"}).status_code == 403
    r = op.post(f"/operator/reviews/{review_id}/hide", {"reason": "spam"})
    assert r.status_code == 200 and r.json()["status"] == "hidden"
    assert api_as().get(f"/products/{product_id}/reviews").json()["results"] == []
    assert api_as().get(f"/products/{product_id}/rating").json()["count"] == 0
    assert op.post(f"/operator/reviews/{review_id}/unhide").status_code == 200
    assert api_as().get(f"/products/{product_id}/rating").json()["count"] == 1
    assert op.post("/operator/reviews/rev_0000000000000000/hide", {"reason": "x"}).status_code == 404
    assert api_as().get("/products/prd_0000000000000000/reviews").status_code == 404


def test_merchant_sees_its_reviews_including_hidden(api_as):
    from o2o.reviews import services as reviews

    w = builders.world()
    line, _ = rb.redeemed_service(w)
    review = reviews.create_review(w.customer, line.public_id, 1, "差")
    reviews.hide(factories.operator(), review.public_id, "abusive")
    r = api_as(w.staff).get("/merchant/reviews")
    assert r.status_code == 200
    [item] = r.json()["results"]
    assert item["id"] == review.public_id and item["status"] == "hidden"
    assert api_as(w.rival.owner).get("/merchant/reviews").json()["results"] == []
