"""New-customer coupons: claimable and usable only by a customer with no paid order,
known through the hook orders registers (marketing never imports orders)."""

from __future__ import annotations

import pytest

from o2o.core.errors import Conflict
from o2o.marketing import services
from o2o.marketing.pricing import quote
from tests import factories
from tests.ledger.helpers import buy, gateway  # noqa: F401  (the fixture)
from tests.marketing import builders as b
from tests.orders import builders as ob

pytestmark = pytest.mark.django_db


def test_a_customer_who_paid_before_cannot_claim_or_use_a_new_customer_coupon(gateway):  # noqa: F811
    m = factories.merchant()
    t = b.template(m, threshold_fen=0, new_customers_only=True)
    newcomer, regular = factories.user(), factories.user()
    coupon = services.claim(newcomer, t.public_id)
    item = ob.goods(m, price_fen=5000)
    buy(regular, item, address=ob.ADDRESS)
    with pytest.raises(Conflict) as err:
        services.claim(regular, t.public_id)
    assert err.value.code == "new_customers_only"
    q = quote(newcomer, [b.line(item.product)])
    assert q.coupons == [coupon.public_id]
    second = services.claim(newcomer, b.template(m, threshold_fen=0, new_customers_only=True).public_id)
    # The first order takes one coupon (checkout picks the best); once it is paid, the
    # other no longer applies.
    buy(newcomer, item, address=ob.ADDRESS)
    coupon.refresh_from_db()
    second.refresh_from_db()
    assert sorted([coupon.status, second.status]) == ["available", "used"]
    left = coupon if coupon.status == "available" else second
    q = quote(newcomer, [b.line(item.product)])
    assert q.coupons == [] and [(u.coupon, u.code) for u in q.unusable] == [(left.public_id, "new_customers_only")]
