"""Tenancy (a merchant sees only its own products) and roles (owner writes, staff reads)."""

from __future__ import annotations

import pytest

from o2o.accounts.models import Role
from o2o.catalog.models import ProductStatus
from o2o.merchants.models import MerchantStatus
from tests import factories
from tests.catalog import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    a, b = factories.merchant(), factories.merchant()
    pa, pb = factories.product(a, published=False), factories.product(b, published=False)
    pb.images.create(url="https://img.example/b.jpg")
    return a, b, pa, pb


def _foreign_requests(pb):
    sku = pb.skus.get().public_id
    img = pb.images.get().public_id
    base = f"/merchant/products/{pb.public_id}"
    return [
        ("get", base, None),
        ("patch", base, {"title": "mine now"}),
        ("post", f"{base}/publish", None),
        ("post", f"{base}/unpublish", None),
        ("get", f"{base}/skus", None),
        ("post", f"{base}/skus", {"price_fen": 1}),
        ("patch", f"{base}/skus/{sku}", {"price_fen": 1}),
        ("delete", f"{base}/skus/{sku}", None),
        ("post", f"{base}/images", {"url": "https://img.example/x.jpg"}),
        ("post", f"{base}/images/reorder", {"image_ids": [img]}),
        ("delete", f"{base}/images/{img}", None),
    ]


def _call(client, method, path, body):
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, body)


def test_merchant_cannot_touch_another_merchants_products(two, api_as):
    a, _, _, pb = two
    client = api_as(a.owner)
    before = helpers.snapshot()
    for method, path, body in _foreign_requests(pb):
        r = _call(client, method, path, body)
        assert r.status_code == 404, (method, path, r.content)
        assert r.json()["error"]["code"] == "product_not_found"
    assert helpers.snapshot() == before
    assert pb.images.count() == 1


def test_own_product_with_foreign_sku_is_not_found(two, api_as):
    a, _, pa, pb = two
    sku_b = pb.skus.get()
    r = api_as(a.owner).patch(f"/merchant/products/{pa.public_id}/skus/{sku_b.public_id}",
                              {"price_fen": 1})
    assert r.status_code == 404 and r.json()["error"]["code"] == "sku_not_found"
    sku_b.refresh_from_db()
    assert sku_b.price_fen != 1


def test_merchant_list_shows_only_own_products(two, api_as):
    a, _, pa, _ = two
    ids = [p["id"] for p in api_as(a.owner).get("/merchant/products").json()["results"]]
    assert ids == [pa.public_id]


def test_staff_may_read_but_not_write(api_as):
    m = factories.merchant()
    p = factories.product(m, published=False)
    staff = api_as(factories.staff(m))
    assert staff.get(f"/merchant/products/{p.public_id}").status_code == 200
    assert [x["id"] for x in staff.get("/merchant/products").json()["results"]] == [p.public_id]
    assert staff.get(f"/merchant/products/{p.public_id}/skus").status_code == 200
    before = helpers.snapshot()
    sku = p.skus.get().public_id
    writes = [
        ("post", "/merchant/products", {"kind": "GOODS", "title": "x"}),
        ("patch", f"/merchant/products/{p.public_id}", {"title": "x"}),
        ("post", f"/merchant/products/{p.public_id}/publish", None),
        ("post", f"/merchant/products/{p.public_id}/skus", {"price_fen": 1}),
        ("patch", f"/merchant/products/{p.public_id}/skus/{sku}", {"price_fen": 1}),
        ("delete", f"/merchant/products/{p.public_id}/skus/{sku}", None),
        ("post", f"/merchant/products/{p.public_id}/images", {"url": "https://a.example/b.png"}),
    ]
    for method, path, body in writes:
        r = _call(staff, method, path, body)
        assert r.status_code == 403, (method, path)
        assert r.json()["error"]["code"] == "owner_role_required"
    assert helpers.snapshot() == before


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.OPERATOR])
def test_non_merchant_users_are_refused_on_merchant_paths(role, api_as):
    m = factories.merchant()
    p = factories.product(m, published=False)
    client = api_as(factories.user(role))
    before = helpers.snapshot()
    for method, path, body in [("get", "/merchant/products", None),
                               ("get", f"/merchant/products/{p.public_id}", None),
                               ("post", "/merchant/products", {"kind": "GOODS", "title": "x"}),
                               ("post", f"/merchant/products/{p.public_id}/publish", None)]:
        r = _call(client, method, path, body)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "merchant_role_required"
    assert helpers.snapshot() == before


def test_anonymous_gets_401_on_merchant_and_operator_paths(anon):
    assert anon.get("/merchant/products").status_code == 401
    r = anon.post("/operator/categories", {"name": "x"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.MERCHANT_OWNER])
def test_only_operators_manage_categories(role, api_as):
    c = helpers.category("Food")
    user = factories.merchant().owner if role == Role.MERCHANT_OWNER else factories.user(role)
    client = api_as(user)
    before = helpers.snapshot()
    assert client.post("/operator/categories", {"name": "x"}).status_code == 403
    assert client.patch(f"/operator/categories/{c.public_id}", {"name": "y"}).status_code == 403
    r = client.delete(f"/operator/categories/{c.public_id}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "operator_role_required"
    assert helpers.snapshot() == before


def test_suspended_merchants_products_vanish_from_public_browsing(anon):
    live, gone = factories.merchant(), factories.merchant()
    keep = factories.product(live)
    hidden = factories.product(gone)
    listed = {p["id"] for p in anon.get("/products").json()["results"]}
    assert {keep.public_id, hidden.public_id} <= listed

    gone.status = MerchantStatus.SUSPENDED  # set directly: suspension itself is the merchants app's
    gone.save(update_fields=["status"])
    listed = {p["id"] for p in anon.get("/products").json()["results"]}
    assert keep.public_id in listed and hidden.public_id not in listed
    assert anon.get(f"/products/{hidden.public_id}").status_code == 404
    assert anon.get(f"/merchants/{gone.public_id}/products").status_code == 404
    assert anon.get("/products", {"merchant": gone.public_id}).status_code == 404
    hidden.refresh_from_db()
    assert hidden.status == ProductStatus.PUBLISHED  # hidden, not unpublished: reinstating restores it


def test_suspended_merchant_still_reads_its_own_products(api_as):
    m = factories.merchant(status=MerchantStatus.SUSPENDED)
    p = factories.product(m)
    r = api_as(m.owner).get(f"/merchant/products/{p.public_id}")
    assert r.status_code == 200 and r.json()["status"] == "published"
