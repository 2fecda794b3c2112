"""The checkout's query budget: one checkout through the API, with a spend tier and a
coupon, runs at most 15 SQL statements (BEGIN and COMMIT included), as bench/checkout.py
counts them. Timed prices and spend tiers are one read, and the coupons the quote chose
are reserved without being read again."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from o2o.core import clock
from o2o.marketing import services as marketing
from o2o.marketing.models import Coupon, CouponStatus, CouponUse, SkuPrice, SpendTier
from tests import factories
from tests.marketing import builders as mb
from tests.orders import builders as b

# Real transactions: BEGIN and COMMIT are logged and counted as in the bench.
pytestmark = pytest.mark.django_db(transaction=True)

BUDGET = 15


def _checkout(token: str, sku: str) -> tuple[dict, list[str]]:
    body = json.dumps({"lines": [{"sku": sku, "quantity": 1}], "shipping_address": b.ADDRESS})
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    with CaptureQueriesContext(connection) as ctx:
        r = Client().post("/api/v1/orders", body, content_type="application/json", headers=headers)
    assert r.status_code == 201, r.content
    return r.json(), [q["sql"] for q in ctx.captured_queries]


@pytest.fixture
def promo_shop():
    m = factories.merchant("Promo shop")
    sku = b.goods(m, price_fen=1990, stock=50)
    now = clock.now()
    SpendTier.objects.create(merchant=m, threshold_fen=1500, amount_off_fen=200, starts_at=now - dt.timedelta(hours=1),
                             ends_at=now + dt.timedelta(days=1), created_at=now)
    customer = factories.user()
    t = mb.template(m, amount_off_fen=100, threshold_fen=1500, per_customer_limit=3)
    coupons = [marketing.claim(customer, t.public_id) for _ in range(2)]
    return {"m": m, "sku": sku, "customer": customer, "token": factories.token_for(customer), "coupons": coupons}


def test_promo_checkout_stays_within_the_query_budget(promo_shop):
    token, sku = promo_shop["token"], promo_shop["sku"].public_id
    _checkout(token, sku)  # warm-up: caches and the first-use paths
    body, sql = _checkout(token, sku)
    (order,) = body["orders"]
    assert order["discount_fen"] == 300  # 满15减2 and the ¥1 coupon both applied
    assert len(sql) <= BUDGET, "\n".join(s[:120] for s in sql)
    # One read of promotions (timed prices UNION spend tiers), no re-read of the coupon.
    assert sum("marketing_spendtier" in s for s in sql) == 1
    assert sum('FROM "marketing_coupon"' in s for s in sql) == 1
    # The coupons were really reserved and their uses recorded for the orders.
    assert Coupon.objects.filter(customer=promo_shop["customer"], status=CouponStatus.RESERVED).count() == 2
    uses = CouponUse.objects.filter(coupon__customer=promo_shop["customer"])
    assert sorted(u.amount_fen for u in uses) == [100, 100]
    assert {u.template_id for u in uses} == {promo_shop["coupons"][0].template_id}


def test_plain_checkout_stays_within_the_query_budget():
    m = factories.merchant("Plain shop")
    sku = b.goods(m, price_fen=1990, stock=50)
    token = factories.token_for(factories.user())
    _checkout(token, sku.public_id)
    body, sql = _checkout(token, sku.public_id)
    assert body["orders"][0]["discount_fen"] == 0
    assert len(sql) <= 13, "\n".join(s[:120] for s in sql)
    # The first stock location came with the SKUs: no separate read of the stock levels.
    assert not any(s.startswith('SELECT "inventory_stocklevel"') for s in sql)


def test_the_one_promotions_read_keeps_the_lowest_timed_price_and_the_best_tier(promo_shop):
    now = clock.now()
    live = {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(hours=1), "created_at": now}
    sku = promo_shop["sku"]
    SkuPrice.objects.create(sku=sku, price_fen=1800, **live)
    SkuPrice.objects.create(sku=sku, price_fen=1700, **live)
    SpendTier.objects.create(merchant=promo_shop["m"], threshold_fen=1600, amount_off_fen=300, **live)
    body, _sql = _checkout(promo_shop["token"], sku.public_id)
    (order,) = body["orders"]
    # 19.90 -> 17.00 (the lower timed price), 满16减3 beats 满15减2; 14.00 is then below
    # the ¥1 coupon's ¥15 threshold.
    assert order["total_fen"] == 1700 - 300
    assert order["discount_fen"] == 300
