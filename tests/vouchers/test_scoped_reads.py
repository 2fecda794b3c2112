"""Counter, console and storefront reads through selectors: the stores a staff member
may act at, a redemption looked up by the merchant who made it (another tenant's id is
404), an order's vouchers and the stores a voucher is good at."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import NotFound
from o2o.merchants import selectors as merchants
from o2o.vouchers import selectors, services
from tests import factories
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return b.world()


def test_staff_stores_are_the_owners_all_and_the_bound_staffs_own(w):
    assert set(merchants.staff_stores(w.merchant, w.owner)) == {w.store, w.other_store}
    assert list(merchants.staff_stores(w.merchant, w.staff)) == [w.store]
    # Asked with the wrong merchant, a member sees none of its stores.
    assert list(merchants.staff_stores(w.merchant, w.rival_staff)) == []
    assert list(merchants.staff_stores(w.rival, w.staff)) == []


def test_a_redemption_is_found_by_its_merchant_only(w):
    card = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=2)))[0]
    redemption = services.redeem(w.staff, w.store.public_id, card.code, 1)
    found = selectors.merchant_redemption(w.merchant, redemption.public_id)
    assert found.pk == redemption.pk
    assert found.voucher.customer == w.customer and found.store == w.store
    for merchant, rid in ((w.rival, redemption.public_id), (w.merchant, "rdm_unknown"), (w.merchant, "x")):
        with pytest.raises(NotFound) as exc:
            selectors.merchant_redemption(merchant, rid)
        assert exc.value.code == "redemption_not_found"


def test_a_redemption_is_read_again_with_its_answer_in_one_query(w, django_assert_num_queries):
    product, slot = b.slot_service(w.merchant, w.store, starts_in=dt.timedelta(days=3))
    card = b.vouchers_of(b.buy(w.customer, product, slot=slot))[0]
    clock.advance(dt.timedelta(days=3))  # the slot's day: a booked voucher is redeemed then
    made = services.redeem(w.staff, w.store.public_id, card.code, 1)
    with django_assert_num_queries(1):
        again = selectors.redemption_answer(made)
        seen = (again.voucher.customer, again.voucher.slot.store, again.store, again.staff, again.reversed_by)
    assert seen == (w.customer, w.store, w.store, w.staff, None)


def test_an_orders_vouchers_and_where_a_voucher_is_good(w):
    everywhere = b.buy(w.customer, b.service(w.merchant, uses=1), quantity=2)
    uptown = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, stores=[w.other_store])))[0]
    assert selectors.order_vouchers(everywhere) == b.vouchers_of(everywhere)
    closed = factories.store(w.merchant, name="Closed")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    # Every active store of the voucher's own merchant, never the rival's; or its own stores.
    assert selectors.voucher_stores(b.vouchers_of(everywhere)[0]) == [w.store, w.other_store]
    assert selectors.voucher_stores(uptown) == [w.other_store]
