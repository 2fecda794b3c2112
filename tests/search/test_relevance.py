"""Relevance over a fixed fixture: Chinese words through jieba, English prefixes, typos."""

from __future__ import annotations

import pytest

from o2o.reviews.rating import bayesian
from o2o.search import services as search
from o2o.search.models import SearchDocument
from o2o.search.services.common import Filters
from tests.search import fixture

pytestmark = pytest.mark.django_db

# query, products that must be found (first one must rank first), products that must not appear
TABLE = [
    ("火锅", ["cq_set", "base"], ["gel", "care", "snack", "tea"]),
    ("重庆火锅", ["cq_set"], ["gel", "snack", "tea", "care"]),
    ("美甲", ["gel", "care"], ["snack", "cq_set", "tea"]),
    ("美食", ["snack"], ["gel", "care"]),
    ("hotp", ["cq_set", "base"], ["gel", "snack", "tea"]),
    ("hotpto", ["cq_set", "base"], ["gel", "snack", "tea"]),
    ("Hotpot", ["cq_set", "base"], ["gel", "snack"]),
    ("NAIL", ["gel"], ["cq_set", "snack", "tea"]),
    ("manicre", ["care"], ["cq_set", "snack"]),
    ("绿茶", ["tea"], ["cq_set", "gel"]),
    ("green tea", ["tea"], ["cq_set", "gel"]),
    ("牛肉", ["beef"], ["gel", "tea"]),
]


@pytest.fixture
def world():
    return fixture.build()


@pytest.mark.parametrize(("query", "expected", "excluded"), TABLE)
def test_relevance_table(world, query, expected, excluded):
    found = fixture.ids(search.search(query).results)
    want = [world.products[k].public_id for k in expected]
    for pid in want:
        assert pid in found, (query, found)
    for k in excluded:
        assert world.products[k].public_id not in found, (query, k)
    assert found[0] == want[0] or len(expected) > 1 and found[0] in want


def test_exact_title_ranks_first(world):
    found = fixture.ids(search.search("重庆火锅套餐").results)
    assert found[0] == world.products["cq_set"].public_id


def test_typo_correction_is_reported(world):
    result = search.search("hotpto")
    assert result.corrections == {"hotpto": "hotpot"}
    assert world.products["cq_set"].public_id in fixture.ids(result.results)


def test_nail_finds_nail_salon_merchant_not_food(world):
    result = search.search("美甲")
    names = [m["name"] for m in result.merchants]
    assert "丽人美甲沙龙" in names
    assert "美食广场" not in names


def test_filters_and_facets(world):
    # The beef meal matches through its category (火锅) and its merchant's name.
    result = search.search("火锅")
    assert result.facets["kind"] == {"SERVICE": 2, "GOODS": 1}
    hotpot = world.categories["hotpot"].public_id
    assert result.facets["category"] == {hotpot: 3}
    goods = search.search("火锅", filters=Filters(kind="GOODS"))
    assert fixture.ids(goods.results) == [world.products["base"].public_id]
    assert goods.facets["kind"] == {"SERVICE": 2, "GOODS": 1}  # the facet ignores its own filter
    # Category with descendants: 美食 includes 火锅 and 小吃.
    food = search.search("", filters=Filters(category_id=world.categories["food"].public_id))
    assert set(fixture.ids(food.results)) == {world.products[k].public_id
                                             for k in ("cq_set", "beef", "snack", "base")}
    cheap = search.search("", filters=Filters(min_price=5000, max_price=13000))
    assert set(fixture.ids(cheap.results)) == {world.products[k].public_id
                                              for k in ("gel", "care", "snack", "tea")}


def test_open_now_uses_store_local_hours(world):
    import datetime as dt

    from o2o.core import clock

    # 03:00 in Shanghai: every fixture store (10:00-22:00) is closed; goods never match open_now.
    with clock.frozen(dt.datetime(2026, 3, 2, 19, 0, tzinfo=dt.UTC)):
        assert search.search("", filters=Filters(open_now=True)).results == []
    with clock.frozen(dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)):  # 12:00 local
        found = set(fixture.ids(search.search("", filters=Filters(open_now=True)).results))
    assert found == {world.products[k].public_id for k in ("cq_set", "beef", "gel", "care", "snack")}


def test_explain_parts_add_up(world):
    result = search.search("美甲", lat=22.537, lng=113.93, explain=True)
    for item in result.results:
        parts, weights = item["explain"]["parts"], item["explain"]["weights"]
        assert item["score"] == pytest.approx(sum(parts[k] * weights[k] for k in parts), abs=1e-3)
        assert item["distance_m"] is not None


def test_bayesian_rating_outranks_single_five_star(world):
    gel, care = world.products["gel"], world.products["care"]
    # One 5-star review vs 500 reviews averaging 4.8.
    SearchDocument.objects.filter(object_pk=gel.pk, doc_type="product").update(
        rating_count=1, rating_sum=5, rating_bayes=bayesian(1, 5))
    SearchDocument.objects.filter(object_pk=care.pk, doc_type="product").update(
        rating_count=500, rating_sum=2400, rating_bayes=bayesian(500, 2400))
    assert bayesian(500, 2400) > bayesian(1, 5)
    results = search.search("", filters=Filters(category_id=world.categories["nails"].public_id),
                            explain=True).results
    assert fixture.ids(results)[0] == care.public_id
