from __future__ import annotations

import pytest

from tests.search import fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return fixture.build()


def test_search_endpoint(api_as, world):
    r = api_as().get("/search", {"q": "火锅", "explain": "true", "lat": 22.533, "lng": 113.93})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["results"][0]["id"] in {world.products["cq_set"].public_id, world.products["base"].public_id}
    assert "explain" in body["results"][0]
    assert body["facets"]["kind"]["GOODS"] == 1
    r = api_as().get("/search", {"q": "hotpto"})
    assert r.json()["corrections"] == {"hotpto": "hotpot"}


def test_nearby_endpoint(api_as, world):
    r = api_as().get("/nearby", {"lat": 22.533, "lng": 113.93, "radius_m": 1000, "q": "美甲"})
    assert r.status_code == 200, r.content
    assert {x["product_id"] for x in r.json()["results"]} == {world.products["gel"].public_id,
                                                            world.products["care"].public_id}


@pytest.mark.parametrize("params", [
    {"lat": 91, "lng": 0}, {"lat": 0, "lng": -181}, {"lat": 0, "lng": 0, "radius_m": 0},
    {"lat": 0, "lng": 0, "radius_m": 50001}, {"lng": 0}, {"lat": 0, "lng": 0, "slot_day": "monday"},
])
def test_nearby_validation(api_as, params):
    r = api_as().get("/nearby", params)
    assert r.status_code == 422
    assert "error" in r.json()


def test_search_validation(api_as):
    assert api_as().get("/search", {"lat": 100, "lng": 0}).status_code == 422
    assert api_as().get("/search", {"lat": 10}).status_code == 422
    assert api_as().get("/search", {"min_price": 10, "max_price": 5}).status_code == 422
    assert api_as().get("/search", {"category": "nope"}).status_code == 404
