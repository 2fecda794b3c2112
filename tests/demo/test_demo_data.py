from __future__ import annotations

import pytest
from django.apps import apps

from o2o.demo import data, loader
from o2o.merchants.models import MerchantStatus

pytestmark = pytest.mark.django_db

COUNTED = ["accounts.User", "merchants.Merchant", "merchants.Store", "merchants.StaffMember",
           "catalog.Category", "catalog.Product", "catalog.Sku", "inventory.StockLevel",
           "inventory.Schedule", "inventory.Slot", "inventory.VoucherQuota"]


def _counts() -> dict[str, int]:
    return {name: apps.get_model(name).objects.count() for name in COUNTED}


def test_demo_loads_the_documented_shop():
    summary = loader.load(tokens=False)
    assert len(summary.merchants) == 3
    assert all(m.status == MerchantStatus.ACTIVE for m in summary.merchants)
    assert summary.stores == 6
    assert summary.products == sum(len(m["products"]) for m in data.MERCHANTS) >= 28
    assert summary.slots > 0
    usernames = {u for _, u, _ in summary.logins}
    assert {"operator", "alice", "bob", "hotpot_owner", "hotpot_staff_coastal"} <= usernames


def test_demo_twice_does_not_duplicate_anything():
    loader.load(tokens=False)
    first = _counts()
    summary = loader.load(tokens=True)
    assert _counts() == first
    assert summary.slots == 0
    # One active demo token per user, whatever the number of runs.
    from o2o.accounts.models import ApiToken

    loader.load(tokens=True)
    active = ApiToken.objects.filter(name=loader.DEMO_TOKEN_NAME, revoked_at__isnull=True)
    assert active.count() == len(summary.logins)


def test_demo_catalog_is_browsable_through_the_public_api(anon):
    loader.load(tokens=False)
    r = anon.get("/products", {"page_size": 100})
    assert r.status_code == 200
    titles = {p["title"] for p in r.json()["results"]}
    assert {"重庆火锅双人套餐", "洗剪吹十次卡", "英德红茶 250g"} <= titles
    merchants = anon.get("/merchants").json()["results"]
    assert {m["name"] for m in merchants} == {m["name"] for m in data.MERCHANTS}


def test_demo_answers_search_and_nearby_around_nanshan(anon):
    loader.load(tokens=False)
    r = anon.get("/search", {"q": "火锅"})
    assert r.status_code == 200, r.content
    titles = [p["title"] for p in r.json()["results"]]
    assert "重庆火锅双人套餐" in titles
    # Around Coastal City (海岸城): the hotpot set meals are close, the salon is farther.
    r = anon.get("/nearby", {"lat": "22.5176", "lng": "113.9361", "radius_m": 3000, "q": "套餐"})
    assert r.status_code == 200, r.content
    results = r.json()["results"]
    assert results and "套餐" in results[0]["title"]
    assert all(x["distance_m"] <= 3000 for x in results)
