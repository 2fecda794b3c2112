"""Merchant owners create, change, publish and unpublish their products."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.catalog.models import Product, ProductStatus, Sku
from o2o.core import clock
from tests import factories
from tests.catalog import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    m = factories.merchant()
    return m, factories.store(m)


def test_goods_product_lifecycle_emits_one_event_per_write(shop, api_as, anon):
    m, _ = shop
    owner = api_as(m.owner)
    r = owner.post("/merchant/products", {"kind": "GOODS", "title": "  Oolong tea  ",
                                          "weight_grams": 250})
    assert r.status_code == 201, r.json()
    body = r.json()
    pid = body["id"]
    assert body["title"] == "Oolong tea" and body["status"] == "draft" and body["service"] is None
    assert anon.get(f"/products/{pid}").status_code == 404  # drafts are not public

    r = owner.post(f"/merchant/products/{pid}/publish")
    assert r.status_code == 409 and r.json()["error"]["code"] == "product_has_no_sku"
    assert Product.objects.get(public_id=pid).status == ProductStatus.DRAFT

    r = owner.post(f"/merchant/products/{pid}/skus", {"price_fen": 3900, "original_price_fen": 4900,
                                                      "name": "250g", "code": "TEA-250",
                                                      "attributes": {"weight": "250g"}})
    assert r.status_code == 201, r.json()
    assert r.json()["price_fen"] == 3900

    r = owner.post(f"/merchant/products/{pid}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert r.json()["published_at"] is not None
    public = anon.get(f"/products/{pid}").json()
    assert public["min_price_fen"] == 3900 and [s["code"] for s in public["skus"]] == ["TEA-250"]

    r = owner.post(f"/merchant/products/{pid}/publish")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_published"

    r = owner.post(f"/merchant/products/{pid}/unpublish")
    assert r.status_code == 200 and r.json()["status"] == "unpublished"
    assert anon.get(f"/products/{pid}").status_code == 404
    r = owner.post(f"/merchant/products/{pid}/unpublish")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_published"

    for event_type in ("product.created", "sku.created", "product.published",
                       "product.unpublished"):
        found = helpers.events(event_type)
        assert len(found) == 1, event_type
        assert found[0].merchant_id == m.public_id
    assert helpers.events("product.published")[0].aggregate_id == pid
    assert helpers.events("sku.created")[0].payload["product_id"] == pid


def test_service_voucher_card_with_store_list(shop, api_as, anon):
    m, store = shop
    other_store = factories.store(m)
    owner = api_as(m.owner)
    r = owner.post("/merchant/products", {
        "kind": "SERVICE", "title": "10-visit swim card", "booking_mode": "voucher",
        "uses_per_voucher": 10, "validity_days": 365, "store_ids": [store.public_id],
    })
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["service"]["uses_per_voucher"] == 10
    assert body["service"]["all_stores"] is False
    assert body["service"]["refund_anytime"] is True
    assert body["service"]["auto_refund_on_expiry"] is True
    assert body["store_ids"] == [store.public_id]
    pid = body["id"]
    owner.post(f"/merchant/products/{pid}/skus", {"price_fen": 80000})
    assert owner.post(f"/merchant/products/{pid}/publish").status_code == 200
    detail = anon.get(f"/products/{pid}").json()
    assert [s["id"] for s in detail["stores"]] == [store.public_id]
    assert other_store.public_id not in {s["id"] for s in detail["stores"]}


def test_slot_service_with_fixed_window_needs_an_active_store_to_publish(api_as):
    m = factories.merchant()
    store = factories.store(m)
    store.is_active = False
    store.save(update_fields=["is_active"])
    owner = api_as(m.owner)
    start = clock.now() + dt.timedelta(days=1)
    r = owner.post("/merchant/products", {
        "kind": "SERVICE", "title": "Massage 60'", "booking_mode": "slot",
        "duration_minutes": 60, "valid_from": start.isoformat(),
        "valid_until": (start + dt.timedelta(days=90)).isoformat(),
    })
    assert r.status_code == 201, r.json()
    pid = r.json()["id"]
    owner.post(f"/merchant/products/{pid}/skus", {"price_fen": 19900})
    r = owner.post(f"/merchant/products/{pid}/publish")
    assert r.status_code == 409 and r.json()["error"]["code"] == "service_has_no_store"
    store.is_active = True
    store.save(update_fields=["is_active"])
    assert owner.post(f"/merchant/products/{pid}/publish").status_code == 200


def test_inactive_merchant_cannot_publish(api_as):
    m = factories.merchant(status="pending")
    p = factories.product(m, published=False)
    r = api_as(m.owner).post(f"/merchant/products/{p.public_id}/publish")
    assert r.status_code == 409 and r.json()["error"]["code"] == "merchant_not_active"
    p.refresh_from_db()
    assert p.status == ProductStatus.DRAFT
    assert helpers.events("product.published") == []


def test_kind_cannot_change_and_updates_keep_rules(shop, api_as):
    m, _ = shop
    p = factories.product(m, published=False)
    owner = api_as(m.owner)
    r = owner.patch(f"/merchant/products/{p.public_id}", {"kind": "SERVICE"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "kind_immutable"
    r = owner.patch(f"/merchant/products/{p.public_id}", {"kind": "GOODS", "title": "Renamed"})
    assert r.status_code == 200 and r.json()["title"] == "Renamed"
    r = owner.patch(f"/merchant/products/{p.public_id}", {"validity_days": 3})
    assert r.status_code == 422 and r.json()["error"]["code"] == "service_fields_on_goods"
    p.refresh_from_db()
    assert (p.kind, p.title, p.validity_days) == ("GOODS", "Renamed", None)
    assert len(helpers.events("product.updated")) == 1


def test_service_switches_between_store_list_and_all_stores(shop, api_as):
    m, store = shop
    p = factories.product(m, kind="SERVICE", published=False)
    owner = api_as(m.owner)
    r = owner.patch(f"/merchant/products/{p.public_id}", {"store_ids": [store.public_id]})
    assert r.status_code == 200 and r.json()["service"]["all_stores"] is False
    assert r.json()["store_ids"] == [store.public_id]
    r = owner.patch(f"/merchant/products/{p.public_id}", {"all_stores": True})
    assert r.status_code == 200 and r.json()["service"]["all_stores"] is True
    assert r.json()["store_ids"] == []
    r = owner.patch(f"/merchant/products/{p.public_id}", {"all_stores": False})
    assert r.status_code == 422 and r.json()["error"]["code"] == "stores_required"
    # switch the validity from days to a window: clear the days in the same request
    start = clock.now()
    r = owner.patch(f"/merchant/products/{p.public_id}", {
        "validity_days": None, "valid_from": start.isoformat(),
        "valid_until": (start + dt.timedelta(days=7)).isoformat()})
    assert r.status_code == 200, r.json()
    assert r.json()["service"]["validity_days"] is None


def test_sku_update_code_uniqueness_and_deactivation(shop, api_as):
    m, _ = shop
    p = factories.product(m)  # published, one default SKU
    owner = api_as(m.owner)
    first = p.skus.get()
    base = f"/merchant/products/{p.public_id}/skus"
    r = owner.post(base, {"price_fen": 100, "code": "A"})
    assert r.status_code == 201
    second = r.json()["id"]
    r = owner.post(base, {"price_fen": 200, "code": "A"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "sku_code_taken"
    r = owner.patch(f"{base}/{first.public_id}", {"code": "A"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "sku_code_taken"
    r = owner.patch(f"{base}/{second}", {"price_fen": 150, "original_price_fen": 100})
    assert r.status_code == 422 and r.json()["error"]["code"] == "original_price_below_price"
    r = owner.patch(f"{base}/{second}", {"price_fen": 150, "attributes": {"size": "L"}})
    assert r.status_code == 200 and r.json()["price_fen"] == 150
    assert r.json()["attributes"] == {"size": "L"}

    assert owner.delete(f"{base}/{first.public_id}").json()["is_active"] is False
    r = owner.delete(f"{base}/{second}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "last_active_sku"
    assert Sku.objects.get(public_id=second).is_active is True
    listed = owner.get(base).json()["results"]
    assert {s["id"]: s["is_active"] for s in listed} == {first.public_id: False, second: True}
    assert len(helpers.events("sku.deactivated")) == 1
    assert len(helpers.events("sku.updated")) == 1


def test_images_add_reorder_remove(shop, api_as, anon):
    m, _ = shop
    p = factories.product(m)
    owner = api_as(m.owner)
    base = f"/merchant/products/{p.public_id}/images"
    ids = [owner.post(base, {"url": f"https://img.example/{i}.jpg", "alt": str(i)}).json()["id"]
           for i in range(3)]
    r = owner.post(base, {"url": "ftp://img.example/x.jpg"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_url"
    r = owner.post(base, {"url": "javascript:alert(1)"})
    assert r.status_code == 422
    r = owner.post(f"{base}/reorder", {"image_ids": ids[:2]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "image_set_mismatch"
    r = owner.post(f"{base}/reorder", {"image_ids": list(reversed(ids))})
    assert r.status_code == 200 and [i["id"] for i in r.json()] == list(reversed(ids))
    detail = anon.get(f"/products/{p.public_id}").json()
    assert [i["id"] for i in detail["images"]] == list(reversed(ids))
    assert detail["cover_url"] == "https://img.example/2.jpg"
    assert owner.delete(f"{base}/{ids[1]}").status_code == 204
    assert owner.delete(f"{base}/{ids[1]}").status_code == 404
    assert p.images.count() == 2
    assert len(helpers.events("image.added")) == 3
    assert len(helpers.events("image.removed")) == 1


def test_published_product_cannot_lose_its_last_store(shop, api_as):
    m, store = shop
    p = factories.product(m, kind="SERVICE", all_stores=False)
    p.stores.set([store])
    store.is_active = False
    store.save(update_fields=["is_active"])
    other = factories.store(m)
    other.is_active = False
    other.save(update_fields=["is_active"])
    r = api_as(m.owner).patch(f"/merchant/products/{p.public_id}", {"store_ids": [other.public_id]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "service_has_no_store"
    assert list(p.stores.all()) == [store]


def test_service_whose_window_has_ended_cannot_be_published(shop, api_as):
    m, _ = shop
    start = clock.now()
    p = factories.product(m, kind="SERVICE", published=False, validity_days=None,
                          valid_from=start, valid_until=start + dt.timedelta(days=2))
    owner = api_as(m.owner)
    clock.advance(dt.timedelta(days=3))
    r = owner.post(f"/merchant/products/{p.public_id}/publish")
    assert r.status_code == 409 and r.json()["error"]["code"] == "validity_window_ended"
    r = owner.patch(f"/merchant/products/{p.public_id}",
                    {"valid_until": (clock.now() + dt.timedelta(days=30)).isoformat()})
    assert r.status_code == 200
    assert owner.post(f"/merchant/products/{p.public_id}/publish").status_code == 200
