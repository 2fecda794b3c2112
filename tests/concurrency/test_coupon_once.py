"""One coupon in 20 concurrent checkouts: exactly one order uses it. The others are
refused (409: coupon_taken when they lost the conditional UPDATE, coupon_not_usable when
they priced after it was reserved) and write nothing: no order, no stock held."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from o2o.inventory.models import StockLevel
from o2o.marketing import services as marketing
from o2o.marketing.models import Coupon, CouponStatus, CouponUse
from o2o.orders.models import Order
from tests import factories
from tests.conftest import ApiClient
from tests.marketing import builders as mb
from tests.orders import builders as b

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 20


def test_one_coupon_pays_one_of_twenty_concurrent_checkouts():
    m = factories.merchant()
    tea = b.goods(m, price_fen=5000, stock=100)
    customer = factories.user()
    coupon = marketing.claim(customer, mb.template(m, amount_off_fen=1000, threshold_fen=0).public_id)
    token = factories.token_for(customer)
    gate = threading.Barrier(CLIENTS)

    def submit(_):
        client = ApiClient(token)
        gate.wait()
        try:
            r = client.post("/orders", {"lines": [{"sku": tea.public_id}], "shipping_address": b.ADDRESS,
                                        "coupons": [coupon.public_id]})
            return r.status_code, (r.json().get("error") or {}).get("code") if r.status_code >= 400 else None
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(submit, range(CLIENTS)))

    assert sorted(s for s, _ in answers) == [201] + [409] * (CLIENTS - 1), answers
    assert {c for s, c in answers if s == 409} <= {"coupon_taken", "coupon_not_usable"}
    (order,) = Order.objects.filter(customer=customer)
    assert (order.discount_fen, order.total_fen) == (1000, 4000)
    assert CouponUse.objects.filter(coupon=coupon).values_list("order_pk", flat=True)[::1] == [order.pk]
    assert Coupon.objects.get(pk=coupon.pk).status == CouponStatus.RESERVED
    assert StockLevel.objects.get(sku=tea).reserved == 1
