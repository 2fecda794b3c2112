"""Public browsing: filters, the category tree, cursor pagination."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from o2o.catalog.models import Sku
from o2o.core import clock
from tests import factories
from tests.catalog import helpers

pytestmark = pytest.mark.django_db


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {p["id"] for p in response.json()["results"]}


def test_category_filter_includes_descendants(anon):
    m = factories.merchant()
    food = helpers.category("Food")
    noodles = helpers.category("Noodles", parent=food)
    ramen = helpers.category("Ramen", parent=noodles)
    spa = helpers.category("Spa")
    in_food = factories.product(m, category=food)
    in_ramen = factories.product(m, category=ramen)
    in_spa = factories.product(m, category=spa)
    uncategorized = factories.product(m)
    assert _ids(anon.get("/products", {"category": food.public_id})) == {in_food.public_id,
                                                                         in_ramen.public_id}
    assert _ids(anon.get("/products", {"category": noodles.public_id})) == {in_ramen.public_id}
    assert _ids(anon.get("/products", {"category": spa.public_id})) == {in_spa.public_id}
    assert uncategorized.public_id in _ids(anon.get("/products"))
    r = anon.get("/products", {"category": "cat_0000000000000000"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "category_not_found"


def test_category_tree_is_nested(anon):
    food = helpers.category("Food", position=1)
    helpers.category("Noodles", parent=food)
    helpers.category("Spa", position=0)
    tree = anon.get("/categories").json()
    assert [n["name"] for n in tree] == ["Spa", "Food"]
    assert [n["name"] for n in tree[1]["children"]] == ["Noodles"]
    assert tree[1]["children"][0]["children"] == []


def test_kind_merchant_price_and_title_filters(anon):
    a, b = factories.merchant(), factories.merchant()
    tea = factories.product(a, title="Oolong tea", price_fen=3000)
    cut = factories.product(a, kind="SERVICE", title="Haircut", price_fen=8000)
    b_tea = factories.product(b, title="Green TEA", price_fen=12000)
    draft = factories.product(a, title="Draft tea", published=False)
    # a cheap SKU that is inactive does not count for the price filter
    Sku.objects.create(product=b_tea, price_fen=100, is_active=False, created_at=clock.now(),
                       updated_at=clock.now())
    assert _ids(anon.get("/products", {"kind": "SERVICE"})) == {cut.public_id}
    assert _ids(anon.get("/products", {"kind": "GOODS"})) == {tea.public_id, b_tea.public_id}
    assert _ids(anon.get("/products", {"merchant": b.public_id})) == {b_tea.public_id}
    assert _ids(anon.get(f"/merchants/{a.public_id}/products")) == {tea.public_id, cut.public_id}
    assert _ids(anon.get("/products", {"min_price": 3000, "max_price": 8000})) == {
        tea.public_id, cut.public_id}
    assert _ids(anon.get("/products", {"max_price": 2999})) == set()
    assert _ids(anon.get("/products", {"min_price": 10000})) == {b_tea.public_id}
    assert _ids(anon.get("/products", {"q": "tea"})) == {tea.public_id, b_tea.public_id}
    assert draft.public_id not in _ids(anon.get("/products"))
    r = anon.get("/products", {"min_price": 5, "max_price": 4})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_price_range"
    for bad in ({"kind": "FOOD"}, {"min_price": -1}, {"min_price": "abc"}):
        r = anon.get("/products", bad)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    listed = anon.get("/products", {"merchant": a.public_id}).json()["results"]
    assert {p["id"]: p["min_price_fen"] for p in listed} == {tea.public_id: 3000,
                                                             cut.public_id: 8000}


def test_cursor_walks_every_page_once(anon):
    merchants = [factories.merchant() for _ in range(2)]
    made = {factories.product(merchants[i % 2]).public_id for i in range(23)}
    seen: list[str] = []
    params: dict = {"page_size": 5}
    pages = 0
    while True:
        body = anon.get("/products", params).json()
        seen.extend(p["id"] for p in body["results"])
        pages += 1
        if not body["next"]:
            break
        query = parse_qs(urlsplit(body["next"]).query)
        params = {"page_size": 5, "cursor": query["cursor"][0]}
        assert pages < 10
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == made


@pytest.mark.parametrize("cursor", ["%%%", "not-base64!", base64.b64encode(b"p=abc").decode()])
def test_invalid_cursor_answers_422(anon, cursor):
    factories.product(factories.merchant())
    r = anon.get("/products", {"cursor": cursor})
    assert r.status_code == 422
    assert r.json()["error"]["code"] in ("invalid_cursor", "validation_error")


def test_public_detail_shows_only_active_skus_and_valid_stores(anon):
    m = factories.merchant()
    s1, s2 = factories.store(m), factories.store(m)
    s2.is_active = False
    s2.save(update_fields=["is_active"])
    p = factories.product(m, kind="SERVICE")
    Sku.objects.create(product=p, price_fen=1, is_active=False, created_at=clock.now(),
                       updated_at=clock.now())
    body = anon.get(f"/products/{p.public_id}").json()
    assert len(body["skus"]) == 1 and body["skus"][0]["is_active"] is True
    assert [s["id"] for s in body["stores"]] == [s1.public_id]
    assert body["service"]["booking_mode"] == "voucher"
    assert anon.get("/products/prd_x").status_code == 404
    assert anon.get("/products/sku_0000000000000000").status_code == 404
