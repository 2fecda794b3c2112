"""Counter and console reads through selectors: the stores a staff member may act at,
and a redemption looked up by the merchant who made it (another tenant's id is 404)."""

from __future__ import annotations

import pytest

from o2o.core.errors import NotFound
from o2o.merchants import selectors as merchants
from o2o.vouchers import selectors, services
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
