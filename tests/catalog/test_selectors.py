"""Read helpers other apps rely on: purchasability and the commission rate."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.catalog import selectors
from o2o.catalog.models import ProductStatus
from o2o.core import clock
from o2o.merchants.models import MerchantStatus
from tests import factories
from tests.catalog import helpers

pytestmark = pytest.mark.django_db


def test_is_purchasable_follows_product_sku_merchant_and_stores():
    m = factories.merchant()
    p = factories.product(m)
    sku = p.skus.get()
    assert selectors.is_purchasable(p, sku) is True

    other = factories.product(m)
    assert selectors.is_purchasable(other, sku) is False  # SKU of another product

    sku.is_active = False
    assert selectors.is_purchasable(p, sku) is False
    sku.is_active = True

    p.status = ProductStatus.UNPUBLISHED
    assert selectors.is_purchasable(p, sku) is False
    p.status = ProductStatus.PUBLISHED

    m.status = MerchantStatus.SUSPENDED
    m.save(update_fields=["status"])
    assert selectors.is_purchasable(p, sku) is False


def test_service_is_purchasable_only_with_an_active_store():
    m = factories.merchant()
    service = factories.product(m, kind="SERVICE")
    sku = service.skus.get()
    assert selectors.is_purchasable(service, sku) is False  # the merchant has no store yet
    store = factories.store(m)
    assert selectors.is_purchasable(service, sku) is True
    service.all_stores = False
    service.save(update_fields=["all_stores"])
    service.stores.set([store])
    assert selectors.is_purchasable(service, sku) is True
    store.is_active = False
    store.save(update_fields=["is_active"])
    assert selectors.is_purchasable(service, sku) is False


def test_commission_rate_prefers_the_nearest_category_override():
    m = factories.merchant()
    m.commission_rate_bp = 600
    m.save(update_fields=["commission_rate_bp"])
    food = helpers.category("Food", commission_rate_bp=300)
    noodles = helpers.category("Noodles", parent=food)
    ramen = helpers.category("Ramen", parent=noodles, commission_rate_bp=450)
    plain = helpers.category("Plain")
    assert selectors.commission_rate_bp(factories.product(m, category=ramen)) == 450
    assert selectors.commission_rate_bp(factories.product(m, category=noodles)) == 300
    assert selectors.commission_rate_bp(factories.product(m, category=plain)) == 600
    assert selectors.commission_rate_bp(factories.product(m)) == 600


def test_public_products_queryset():
    live, pending = factories.merchant(), factories.merchant(status=MerchantStatus.PENDING)
    shown = factories.product(live)
    factories.product(live, published=False)
    factories.product(pending)
    assert list(selectors.public_products()) == [shown]
    assert selectors.get_public_product(shown.public_id) == shown


def test_service_is_not_purchasable_after_its_window():
    m = factories.merchant()
    factories.store(m)
    start = clock.now()
    p = factories.product(m, kind="SERVICE", validity_days=None, valid_from=start,
                          valid_until=start + dt.timedelta(days=1))
    sku = p.skus.get()
    assert selectors.is_purchasable(p, sku) is True
    clock.advance(dt.timedelta(days=1, seconds=1))
    assert selectors.is_purchasable(p, sku) is False
