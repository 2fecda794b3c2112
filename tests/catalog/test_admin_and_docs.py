"""The Django admin pages and the OpenAPI document of the catalog load."""

from __future__ import annotations

import pytest
from django.test import Client

from o2o.catalog.models import ProductImage
from tests import factories
from tests.catalog import helpers

pytestmark = pytest.mark.django_db


def test_admin_pages_render():
    m = factories.merchant()
    p = factories.product(m, category=helpers.category("Food", parent=helpers.category("Root")))
    img = ProductImage.objects.create(product=p, url="https://img.example/a.jpg")
    client = Client()
    client.force_login(helpers.operator())
    pages = ["/admin/catalog/category/", "/admin/catalog/product/", "/admin/catalog/sku/",
             "/admin/catalog/productimage/", f"/admin/catalog/product/{p.pk}/change/",
             f"/admin/catalog/sku/{p.skus.get().pk}/change/",
             f"/admin/catalog/productimage/{img.pk}/change/",
             "/admin/catalog/product/?q=Product&kind__exact=GOODS&status__exact=published",
             "/admin/catalog/category/?q=Food"]
    for page in pages:
        r = client.get(page)
        assert r.status_code == 200, page
    assert "Root › Food" in client.get("/admin/catalog/category/").content.decode()


def test_openapi_documents_catalog_paths(anon):
    doc = anon.get("/api/openapi.json").json()
    for path in ("/api/v1/products", "/api/v1/products/{product_id}", "/api/v1/categories",
                 "/api/v1/merchant/products/{product_id}/skus/{sku_id}",
                 "/api/v1/operator/categories/{category_id}"):
        assert path in doc["paths"], path


def test_listing_does_not_query_per_product(anon, django_assert_max_num_queries):
    m = factories.merchant()
    for _ in range(3):
        factories.product(m, category=helpers.category(f"C{_}"))
    with django_assert_max_num_queries(3) as few:
        anon.get("/products")
    for _ in range(10):
        factories.product(factories.merchant(), category=helpers.category(f"D{_}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = anon.get("/products")
    assert len(r.json()["results"]) == 13
