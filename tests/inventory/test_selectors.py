"""Stock and capacity reads of the merchant API and console go through
inventory.selectors, scoped by the merchant first: another merchant's rows are never in
a list, its ids answer 404, and stores of another merchant passed in by mistake add
nothing. The console's dashboard figures (orders, redemptions) are scoped the same way."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.catalog import selectors as catalog
from o2o.catalog.models import ProductStatus
from o2o.core import clock
from o2o.core.errors import NotFound
from o2o.inventory import selectors
from o2o.inventory import services as inventory
from o2o.merchants import selectors as merchants
from o2o.orders import selectors as orders_read
from o2o.vouchers import selectors as vouchers_read
from o2o.vouchers import services as vouchers
from tests import factories
from tests.orders import builders as b
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    m, rival = factories.merchant("Tea House"), factories.merchant("Rival Tea")
    store, rival_store = factories.store(m, name="Downtown"), factories.store(rival, name="Rival")
    loc, rival_loc = b.location(m), b.location(rival)
    return {"m": m, "rival": rival, "store": store, "rival_store": rival_store, "loc": loc,
            "rival_loc": rival_loc, "tea": b.goods(m, stock=4, loc=loc), "rival_tea": b.goods(rival, stock=9, loc=rival_loc),
            "cut": b.slot_service(m, store, capacity=3), "rival_cut": b.slot_service(rival, rival_store, capacity=7)}


def _refused(call, code: str) -> None:
    with pytest.raises(NotFound) as exc:
        call()
    assert exc.value.code == code


def test_stock_reads_hold_the_merchants_rows_only(two, django_assert_num_queries):
    m, rival = two["m"], two["rival"]
    assert list(selectors.merchant_locations(m)) == [two["loc"]]
    assert selectors.active_locations(m) == [two["loc"]]
    assert [lv.on_hand for lv in selectors.merchant_stock(m)] == [4]
    assert [lv.on_hand for lv in selectors.merchant_stock(m, sku=two["tea"].public_id)] == [4]
    # Another merchant's SKU or location, named as a filter, finds nothing.
    assert not selectors.merchant_stock(m, sku=two["rival_tea"].public_id).exists()
    assert not selectors.merchant_stock(m, location=two["rival_loc"].public_id).exists()
    with django_assert_num_queries(3):
        listed = [(p.public_id, [[lv.on_hand for lv in s.stock_levels.all()] for s in p.skus.all()])
                  for p in selectors.products_with_stock(m)]
    assert (two["tea"].product.public_id, [[4]]) in listed
    assert two["rival_tea"].product.public_id not in {pid for pid, _ in listed}
    assert selectors.product_with_stock(m, two["tea"].product.public_id).pk == two["tea"].product.pk
    for pid in (two["rival_tea"].product.public_id, "prd_unknown", two["tea"].public_id):
        _refused(lambda p=pid: selectors.product_with_stock(m, p), "product_not_found")
    assert selectors.product_with_stock(rival, two["rival_tea"].product.public_id).pk == two["rival_tea"].product.pk


def test_slot_reads_hold_the_merchants_services_and_stores_only(two):
    m, rival = two["m"], two["rival"]
    (cut, slot), (rival_cut, rival_slot) = two["cut"], two["rival_cut"]
    assert list(selectors.merchant_slots(m)) == [slot]
    assert list(selectors.merchant_slots(m, product=cut.product.public_id, store=two["store"].public_id)) == [slot]
    assert not selectors.merchant_slots(m, product=rival_cut.product.public_id).exists()
    assert not selectors.merchant_slots(m, store=two["rival_store"].public_id).exists()
    window = (slot.starts_at, slot.starts_at + dt.timedelta(minutes=1))
    assert list(selectors.merchant_slots(m, window=window)) == [slot]
    assert not selectors.merchant_slots(m, window=(window[1], window[1] + dt.timedelta(days=1))).exists()
    assert [p.pk for p in selectors.slot_services(m)] == [cut.product.pk]

    now = clock.now()
    both = [two["store"], two["rival_store"]]
    # The rival's store slipped into the list of stores still shows the merchant's slots only.
    assert selectors.upcoming_slots(m, both, now, now + dt.timedelta(days=2), 12) == [slot]
    assert selectors.upcoming_slots(rival, both, now, now + dt.timedelta(days=2), 12) == [rival_slot]
    assert selectors.upcoming_slots(m, both, now, now + dt.timedelta(hours=1), 12) == []
    day = (slot.starts_at - dt.timedelta(hours=1), slot.starts_at + dt.timedelta(hours=1))
    rows = selectors.slots_of_day(m, cut.product, both, *day)
    assert [(r.pk, r.left) for r in rows] == [(slot.pk, 3)]
    assert selectors.slot_totals(rows) == {"booked": 0, "capacity": 3, "open": 1}
    assert not selectors.slots_of_day(m, rival_cut.product, both, *day).exists()


def test_schedules_and_closures_of_the_merchant_only(two):
    m, rival = two["m"], two["rival"]
    cut = two["cut"][0].product
    schedule = inventory.create_schedule(
        m, product_public_id=cut.public_id, store_public_id=two["store"].public_id, weekdays=[1, 2, 3, 4, 5, 6, 7],
        start_time=dt.time(10), end_time=dt.time(12), slot_minutes=60, capacity=2, valid_from=clock.now().date())
    assert list(selectors.merchant_schedules(m)) == [schedule]
    assert not selectors.merchant_schedules(rival).exists()
    both = [two["store"], two["rival_store"]]
    (service,) = [p for p in selectors.services_with_schedules(m, both) if p.pk == cut.pk]
    assert list(service.schedules.all()) == [schedule]
    assert not [p for p in selectors.services_with_schedules(rival, both) if p.pk == cut.pk]
    tomorrow = clock.now().date() + dt.timedelta(days=1)
    closure, _ = inventory.close_date(m, store_public_id=two["store"].public_id, date=tomorrow)
    rival_closure, _ = inventory.close_date(rival, store_public_id=two["rival_store"].public_id, date=tomorrow)
    assert list(selectors.upcoming_closures(m, both, clock.now().date())) == [closure]
    assert list(selectors.upcoming_closures(rival, both, clock.now().date())) == [rival_closure]
    assert not selectors.upcoming_closures(m, both, tomorrow + dt.timedelta(days=1)).exists()


def test_the_public_slots_store_is_an_active_store_of_the_products_merchant(two):
    cut = two["cut"][0].product
    assert selectors.product_store(cut, two["store"].public_id) == two["store"]
    closed = factories.store(two["m"], name="Closed")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    for store_id in (two["rival_store"].public_id, closed.public_id, "sto_unknown", cut.public_id):
        _refused(lambda s=store_id: selectors.product_store(cut, s), "store_not_found")


def test_dashboard_figures_count_the_merchants_own_orders_and_redemptions():
    w = vb.world()
    order = vb.buy(w.customer, vb.service(w.merchant, price_fen=3000, uses=2))
    vb.buy(w.customer, vb.service(w.rival, price_fen=9900))
    start = clock.now() - dt.timedelta(hours=1)
    assert orders_read.sales_between(w.merchant, start, start + dt.timedelta(hours=2)) == (1, 3000)
    assert orders_read.sales_between(w.rival, start, start + dt.timedelta(hours=2)) == (1, 9900)
    assert orders_read.sales_between(w.merchant, start - dt.timedelta(days=1), start) == (0, 0)
    card = vb.vouchers_of(order)[0]
    made = vouchers.redeem(w.staff, w.store.public_id, card.code, 2)
    everywhere = [w.store, w.other_store, w.rival_store]
    assert vouchers_read.redemption_figures(w.merchant, everywhere, made.local_date) == (1, 2)
    assert vouchers_read.redemption_figures(w.rival, everywhere, made.local_date) == (0, 0)
    assert vouchers_read.redemption_figures(w.merchant, [w.other_store], made.local_date) == (0, 0)


def test_pickup_stores_and_public_product_ids(two):
    m, rival = two["m"], two["rival"]
    assert merchants.pickup_stores([m.pk]) == [two["store"]]
    assert merchants.pickup_stores([m.pk, rival.pk]) == [two["store"], two["rival_store"]]
    tea, rival_tea = two["tea"].product, two["rival_tea"].product
    rival_tea.status = ProductStatus.DRAFT
    rival_tea.save(update_fields=["status"])
    assert catalog.public_product_pks([tea.public_id, rival_tea.public_id, "prd_unknown"]) == {tea.public_id: tea.pk}
