"""The merchant's and the platform's numbers per template come from real paid orders:
claimed, used, GMV driven (net of the paid orders that used it) and platform spend."""

from __future__ import annotations

import pytest

from o2o.marketing import selectors, services
from tests import factories
from tests.ledger.helpers import buy, gateway  # noqa: F401  (the fixture)
from tests.marketing import builders as b
from tests.orders import builders as ob

pytestmark = pytest.mark.django_db


def test_counts_follow_paid_orders_and_stay_in_their_tenant(gateway):  # noqa: F811
    m, other = factories.merchant(), factories.merchant()
    mine = b.template(m, amount_off_fen=1000, threshold_fen=0)
    platform = b.template(None, amount_off_fen=500, threshold_fen=0)
    b.template(other)
    customer = factories.user()
    services.claim(customer, mine.public_id)
    services.claim(customer, platform.public_id)
    services.claim(factories.user(), mine.public_id)
    sku = ob.goods(m, price_fen=8000)
    order = buy(customer, sku, address=ob.ADDRESS)
    assert order.discount_fen == 1500
    (row,) = selectors.merchant_templates(m)
    assert (row.public_id, row.claimed, row.used, row.discount_fen) == (mine.public_id, 2, 1, 1000)
    assert row.gmv_fen == 8000 - 1500  # the order's net after both coupons
    assert row.platform_spend_fen == 0
    (plat,) = selectors.platform_templates()
    assert (plat.public_id, plat.used, plat.platform_spend_fen) == (platform.public_id, 1, 500)
    assert selectors.platform_spend() == {"platform_funded_fen": 500, "discount_fen": 1500}
    assert [t.public_id for t in selectors.merchant_templates(other)] != [mine.public_id]
