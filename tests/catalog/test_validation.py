"""Bad requests get a 4xx with a machine-readable code and change nothing."""

from __future__ import annotations

import pytest

from tests import factories
from tests.catalog import helpers

pytestmark = pytest.mark.django_db

SERVICE = {"kind": "SERVICE", "title": "Facial", "booking_mode": "voucher", "validity_days": 30}
WINDOW = {"valid_from": "2030-01-01T00:00:00+08:00", "valid_until": "2030-06-01T00:00:00+08:00"}

# (what, method, path template, body (dict, or str for a raw body), status, error code)
CASES = [
    ("missing title", "post", "/merchant/products", {"kind": "GOODS"}, 422, "validation_error"),
    ("blank title", "post", "/merchant/products", {"kind": "GOODS", "title": "   "}, 422,
     "title_required"),
    ("title too long", "post", "/merchant/products", {"kind": "GOODS", "title": "x" * 121}, 422,
     "validation_error"),
    ("wrong kind", "post", "/merchant/products", {"kind": "FOOD", "title": "x"}, 422,
     "validation_error"),
    ("goods with service fields", "post", "/merchant/products",
     {"kind": "GOODS", "title": "Tea", "booking_mode": "voucher"}, 422, "service_fields_on_goods"),
    ("service with goods fields", "post", "/merchant/products", {**SERVICE, "weight_grams": 5},
     422, "goods_fields_on_service"),
    ("service without booking_mode", "post", "/merchant/products",
     {"kind": "SERVICE", "title": "Facial", "validity_days": 30}, 422, "booking_mode_required"),
    ("unknown booking_mode", "post", "/merchant/products", {**SERVICE, "booking_mode": "walk-in"},
     422, "validation_error"),
    ("slot service without duration", "post", "/merchant/products",
     {**SERVICE, "booking_mode": "slot"}, 422, "duration_required"),
    ("duration too long", "post", "/merchant/products",
     {**SERVICE, "booking_mode": "slot", "duration_minutes": 1441}, 422, "validation_error"),
    ("uses_per_voucher 0", "post", "/merchant/products", {**SERVICE, "uses_per_voucher": 0}, 422,
     "validation_error"),
    ("uses_per_voucher 101", "post", "/merchant/products", {**SERVICE, "uses_per_voucher": 101},
     422, "validation_error"),
    ("no validity", "post", "/merchant/products",
     {"kind": "SERVICE", "title": "Facial", "booking_mode": "voucher"}, 422, "validity_required"),
    ("both validity_days and window", "post", "/merchant/products", {**SERVICE, **WINDOW}, 422,
     "validity_conflict"),
    ("window backwards", "post", "/merchant/products",
     {**{k: v for k, v in SERVICE.items() if k != "validity_days"},
      "valid_from": WINDOW["valid_until"], "valid_until": WINDOW["valid_from"]}, 422,
     "invalid_validity_window"),
    ("window without end", "post", "/merchant/products",
     {**{k: v for k, v in SERVICE.items() if k != "validity_days"},
      "valid_from": WINDOW["valid_from"]}, 422, "invalid_validity_window"),
    ("naive datetime", "post", "/merchant/products",
     {**{k: v for k, v in SERVICE.items() if k != "validity_days"},
      "valid_from": "2030-01-01T00:00:00", "valid_until": "2030-02-01T00:00:00"}, 422,
     "validation_error"),
    ("validity_days 3651", "post", "/merchant/products", {**SERVICE, "validity_days": 3651}, 422,
     "validation_error"),
    ("another merchant's store", "post", "/merchant/products",
     {**SERVICE, "store_ids": ["{other_store}"]}, 404, "store_not_found"),
    ("malformed store id", "post", "/merchant/products", {**SERVICE, "store_ids": ["nope"]}, 404,
     "store_not_found"),
    ("all_stores and a store list", "post", "/merchant/products",
     {**SERVICE, "all_stores": True, "store_ids": ["{store}"]}, 422, "stores_conflict"),
    ("unknown category", "post", "/merchant/products",
     {"kind": "GOODS", "title": "Tea", "category_id": "cat_0000000000000000"}, 404,
     "category_not_found"),
    ("invalid JSON", "post", "/merchant/products", "{not json", 400, "invalid_json"),
    ("JSON list body", "post", "/merchant/products", "[1, 2]", 422, "validation_error"),
    ("title as number", "post", "/merchant/products", {"kind": "GOODS", "title": 5}, 422,
     "validation_error"),
    ("negative price", "post", "/merchant/products/{product}/skus", {"price_fen": -1}, 422,
     "validation_error"),
    ("price as string", "post", "/merchant/products/{product}/skus", {"price_fen": "abc"}, 422,
     "validation_error"),
    ("price as numeric string", "post", "/merchant/products/{product}/skus", {"price_fen": "100"},
     422, "validation_error"),
    ("float price", "post", "/merchant/products/{product}/skus", {"price_fen": 9.5}, 422,
     "validation_error"),
    ("boolean price", "post", "/merchant/products/{product}/skus", {"price_fen": True}, 422,
     "validation_error"),
    ("huge price", "post", "/merchant/products/{product}/skus", {"price_fen": 10**12}, 422,
     "validation_error"),
    ("missing price", "post", "/merchant/products/{product}/skus", {"name": "x"}, 422,
     "validation_error"),
    ("original price below price", "post", "/merchant/products/{product}/skus",
     {"price_fen": 500, "original_price_fen": 400}, 422, "original_price_below_price"),
    ("nested attributes", "post", "/merchant/products/{product}/skus",
     {"price_fen": 5, "attributes": {"a": {"b": "c"}}}, 422, "validation_error"),
    ("long attribute value", "post", "/merchant/products/{product}/skus",
     {"price_fen": 5, "attributes": {"a": "x" * 61}}, 422, "invalid_attributes"),
    ("sku price null on update", "patch", "/merchant/products/{product}/skus/{sku}",
     {"price_fen": None}, 422, "invalid_price"),
    ("malformed product id", "patch", "/merchant/products/prd_!!", {"title": "x"}, 404,
     "product_not_found"),
    ("malformed product id (sku)", "post", "/merchant/products/not-an-id/skus", {"price_fen": 1},
     404, "product_not_found"),
    ("unknown product id", "patch", "/merchant/products/prd_0000000000000000", {"title": "x"},
     404, "product_not_found"),
    ("malformed sku id", "patch", "/merchant/products/{product}/skus/sku_x", {"price_fen": 1},
     404, "sku_not_found"),
    ("image url not http", "post", "/merchant/products/{product}/images",
     {"url": "file:///etc/passwd"}, 422, "invalid_url"),
    ("blank title on update", "patch", "/merchant/products/{product}", {"title": None}, 422,
     "title_required"),
]


@pytest.fixture
def world():
    m = factories.merchant()
    other = factories.merchant()
    return {
        "merchant": m,
        "store": factories.store(m),
        "other_store": factories.store(other),
        "product": factories.product(m, published=False),
    }


def _fill(value, names: dict):
    if isinstance(value, str):
        for key, val in names.items():
            value = value.replace("{" + key + "}", val)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


@pytest.mark.parametrize(("what", "method", "path", "body", "status", "code"), CASES,
                         ids=[c[0] for c in CASES])
def test_bad_request_is_refused_without_a_trace(world, api_as, what, method, path, body, status,
                                                code):
    names = {"store": world["store"].public_id, "other_store": world["other_store"].public_id,
             "product": world["product"].public_id,
             "sku": world["product"].skus.get().public_id}
    client = api_as(world["merchant"].owner)
    before = helpers.snapshot()
    path = _fill(path, names)
    if isinstance(body, str):
        r = client.post(path, raw=body)
    else:
        r = getattr(client, method)(path, _fill(body, names))
    assert r.status_code == status, r.content
    if code is not None:
        assert r.json()["error"]["code"] == code
    assert helpers.snapshot() == before
