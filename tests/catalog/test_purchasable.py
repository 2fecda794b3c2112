"""One purchasable rule: an ended deal (past valid_until) cannot be carted, bought, found,
booked, or shown with a buy button; the predicate and the queryset agree on every case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from o2o.catalog import selectors
from o2o.catalog.models import ProductKind, ProductStatus
from o2o.core import clock
from o2o.merchants.models import MerchantStatus
from o2o.orders.models import CartLine, Order
from tests import factories
from tests.orders import builders as b

pytestmark = pytest.mark.django_db

ADDRESS = b.ADDRESS


def _deal(m, *, days: int = 1, **fields):
    """A date-window voucher deal that ends `days` from now."""
    start = clock.now() - dt.timedelta(days=1)
    return factories.product(m, kind=ProductKind.SERVICE, validity_days=None, valid_from=start,
                             valid_until=clock.now() + dt.timedelta(days=days), **fields)


def _ended_deal(m):
    p = _deal(m)
    clock.advance(dt.timedelta(days=1, seconds=1))
    return p


def test_predicate_and_queryset_agree_on_every_case():
    m = factories.merchant()
    store = factories.store(m)
    suspended = factories.merchant(status=MerchantStatus.SUSPENDED)
    storeless = factories.merchant()
    cases = {
        "goods": (factories.product(m), True),
        "draft": (factories.product(m, published=False), False),
        "suspended merchant": (factories.product(suspended), False),
        "service, all stores": (factories.product(m, kind=ProductKind.SERVICE), True),
        "service, no store": (factories.product(storeless, kind=ProductKind.SERVICE), False),
        "deal running": (_deal(m, days=3), True),
        "deal ended": (_deal(m, days=-1), False),
        "deal ends now": (_deal(m, days=0), False),
    }
    unpublished = factories.product(m)
    unpublished.status = ProductStatus.UNPUBLISHED
    unpublished.save(update_fields=["status"])
    cases["unpublished"] = (unpublished, False)
    listed = factories.product(m, kind=ProductKind.SERVICE, all_stores=False)
    listed.stores.set([store])
    cases["service, listed store"] = (listed, True)
    closed_store = factories.store(m, name="closed")
    closed_store.is_active = False
    closed_store.save(update_fields=["is_active"])
    listed_closed = factories.product(m, kind=ProductKind.SERVICE, all_stores=False)
    listed_closed.stores.set([closed_store])
    cases["service, only a closed store"] = (listed_closed, False)
    other_store = factories.store(factories.merchant())
    foreign = factories.product(m, kind=ProductKind.SERVICE, all_stores=False)
    foreign.stores.set([other_store])  # another merchant's store never counts
    cases["service, another merchant's store"] = (foreign, False)

    in_queryset = set(selectors.purchasable_products().values_list("pk", flat=True))
    for name, (product, expected) in cases.items():
        product.refresh_from_db()
        assert selectors.is_purchasable(product) is expected, name
        assert (product.pk in in_queryset) is expected, name
        sku = product.skus.get()
        assert (sku.pk in selectors.purchasable_sku_pks({sku.pk})) is expected, name

    running = cases["deal running"][0]
    clock.advance(dt.timedelta(days=3))
    assert selectors.purchase_block(running) == selectors.SALE_ENDED
    assert running.pk not in set(selectors.purchasable_products().values_list("pk", flat=True))


def test_an_ended_deal_cannot_be_carted_or_bought(api_as):
    m = factories.merchant()
    factories.store(m)
    sku = _ended_deal(m).skus.get()
    api = api_as(factories.user())
    r = api.post("/cart/lines", {"sku": sku.public_id})
    assert r.status_code == 409, r.content
    error = r.json()["error"]
    assert error["code"] == "not_purchasable" and error["details"]["reason"] == "sale_ended"
    r = api.post("/orders", {"lines": [{"sku": sku.public_id}]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_purchasable"
    assert not CartLine.objects.exists() and not Order.objects.exists()


def test_checkout_rechecks_the_rule_when_the_deal_ends_in_the_cart(api_as):
    m = factories.merchant()
    factories.store(m)
    deal = _deal(m).skus.get()
    tea = b.goods(m)
    api = api_as(factories.user())
    assert api.post("/cart/lines", {"sku": deal.public_id}).status_code in (200, 201)
    assert api.post("/cart/lines", {"sku": tea.public_id}).status_code in (200, 201)
    assert all(ln["available"] for ln in api.get("/cart").json()["lines"])

    clock.advance(dt.timedelta(days=1, seconds=1))
    cart = api.get("/cart").json()
    available = {ln["sku"]: ln["available"] for ln in cart["lines"]}
    assert available == {deal.public_id: False, tea.public_id: True}
    assert cart["total_fen"] == tea.price_fen  # an ended deal is not counted
    r = api.post("/checkout", {"shipping_address": ADDRESS})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_purchasable"
    assert not Order.objects.exists() and CartLine.objects.count() == 2  # nothing half done


def test_the_slots_api_refuses_an_ended_slot_service(anon):
    m = factories.merchant()
    store = factories.store(m)
    sku, slot = b.slot_service(m, store)
    product = sku.product
    day = slot.starts_at.date().isoformat()
    assert anon.get(f"/products/{product.public_id}/slots", {"date": day}).status_code == 200
    product.valid_from, product.valid_until = clock.now() - dt.timedelta(days=2), clock.now()
    product.validity_days = None
    product.save(update_fields=["valid_from", "valid_until", "validity_days"])
    r = anon.get(f"/products/{product.public_id}/slots", {"date": day})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_purchasable"
    draft = factories.product(m, kind=ProductKind.SERVICE, booking_mode="slot", duration_minutes=60,
                              published=False)
    r = anon.get(f"/products/{draft.public_id}/slots", {"date": day})
    assert r.status_code == 404 and r.json()["error"]["code"] == "product_not_found"


def test_the_product_page_says_no_longer_on_sale_without_a_buy_button():
    m = factories.merchant()
    factories.store(m)
    running, ended = _deal(m, days=5, title="周末早午餐"), _deal(m, days=1, title="端午粽子礼盒券")
    clock.advance(dt.timedelta(days=1, seconds=1))
    c = Client()
    page = c.get(f"/p/{ended.public_id}/").content.decode()
    assert 'id="not-on-sale"' in page and "/cart/add/" not in page
    page = c.get(f"/p/{running.public_id}/").content.decode()
    assert 'id="not-on-sale"' not in page and "/cart/add/" in page
    shop = c.get(f"/m/{m.public_id}/").content.decode()
    assert running.title in shop and ended.title not in shop
    customer = factories.user()
    c.force_login(customer)
    r = c.post("/cart/add/", {"sku": ended.skus.get().public_id, "quantity": "1",
                              "back": f"/p/{ended.public_id}/"})
    assert r.status_code == 302 and not CartLine.objects.exists()
