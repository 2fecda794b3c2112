"""Checkout priced by the marketing pipeline: the lines store what each costs and who
funds the discount, the quote endpoint answers what checkout charges, and coupons
follow the order (reserved, used when paid, back when it closes unpaid or is cancelled
before it ships, kept on a refund after use unless the template returns them)."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.freight import services as fees
from o2o.marketing import services as marketing
from o2o.marketing.models import Coupon, CouponStatus, CouponUse, SkuPrice, SpendTier
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderLine
from o2o.orders.services import Item
from o2o.payments import services as payments
from o2o.payments.models import Refund
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import Voucher
from tests import factories
from tests.ledger.helpers import gateway, pay, refund_succeeds  # noqa: F401  (gateway is a fixture)
from tests.marketing import builders as mb
from tests.orders import builders as b

pytestmark = pytest.mark.django_db


def _tier(merchant, threshold, off):
    now = clock.now()
    return SpendTier.objects.create(merchant=merchant, threshold_fen=threshold, amount_off_fen=off,
                                    starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1),
                                    created_at=now)


@pytest.fixture
def shop():
    m = factories.merchant("Tea House")
    tea = b.goods(m, price_fen=15000, stock=20, title="Oolong")
    cup = b.goods(m, price_fen=10000, stock=20, title="Cup")
    now = clock.now()
    SkuPrice.objects.create(sku=tea, price_fen=12000, starts_at=now - dt.timedelta(hours=1),
                            ends_at=now + dt.timedelta(hours=1), created_at=now)
    _tier(m, 20000, 3000)
    return {"m": m, "tea": tea, "cup": cup, "customer": factories.user()}


def _items(shop):
    return [Item(shop["tea"].public_id, 1), Item(shop["cup"].public_id, 1)]


def test_checkout_stores_the_pipeline_on_lines_and_order(shop):
    t = mb.template(shop["m"], amount_off_fen=2000, threshold_fen=19000)
    coupon = marketing.claim(shop["customer"], t.public_id)
    (order,) = orders.place_orders(shop["customer"], _items(shop), shipping_address=b.ADDRESS)
    order.refresh_from_db()
    # 150 -> 120 (timed price), 满200减30, then the 20 yuan coupon: 22000 - 5000.
    assert (order.total_fen, order.discount_fen, order.platform_subsidy_fen) == (17000, 5000, 0)
    lines = {ln.title: ln for ln in OrderLine.objects.filter(order=order)}
    tea, cup = lines["Oolong"], lines["Cup"]
    assert (tea.list_unit_price_fen, tea.unit_price_fen, cup.unit_price_fen) == (15000, 12000, 10000)
    assert tea.discount_fen + cup.discount_fen == 5000
    assert tea.merchant_funded_fen == tea.discount_fen and cup.platform_funded_fen == 0
    assert tea.line_total_fen == 12000 - tea.discount_fen and cup.line_total_fen == 10000 - cup.discount_fen
    assert Coupon.objects.get(pk=coupon.pk).status == CouponStatus.RESERVED
    use = CouponUse.objects.get(coupon=coupon)
    assert (use.order_pk, use.amount_fen) == (order.pk, 2000)


def test_quote_endpoint_answers_what_checkout_charges(shop, api_as):
    m2 = factories.merchant("Bakery")
    bread = b.goods(m2, price_fen=5000, stock=5, title="Bread")
    mine = marketing.claim(shop["customer"], mb.template(shop["m"], amount_off_fen=2000, threshold_fen=19000)
                           .public_id)
    plat = marketing.claim(shop["customer"], mb.template(None, amount_off_fen=1500, threshold_fen=0).public_id)
    far = marketing.claim(shop["customer"], mb.template(m2, amount_off_fen=1000, threshold_fen=6200).public_id)
    api = api_as(shop["customer"])
    for sku in (shop["tea"], shop["cup"], bread):
        assert api.post("/cart/lines", {"sku": sku.public_id}).status_code == 201
    r = api.post("/checkout/quote", {})
    assert r.status_code == 200, r.content
    q = r.json()
    assert set(q["coupons"]) == {mine.public_id, plat.public_id}
    assert [u["code"] for u in q["unusable"]] == ["below_threshold"]
    assert q["unusable"][0]["coupon"] == far.public_id and q["unusable"][0]["details"]["short_fen"] > 0
    assert q["subtotal_fen"] == 27000 and q["discount_fen"] == 3000 + 2000 + 1500
    assert q["total_fen"] == q["subtotal_fen"] - q["discount_fen"] + q["shipping_fee_fen"]
    r = api.post("/checkout", {"shipping_address": b.ADDRESS})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["total_fen"] == q["total_fen"]
    got = {o["merchant"]["id"]: (o["total_fen"], o["discount_fen"],
                                 [(ln["unit_price_fen"], ln["discount_fen"], ln["line_total_fen"])
                                  for ln in o["lines"]]) for o in body["orders"]}
    quoted = {o["merchant"]["id"]: (o["total_fen"], o["discount_fen"],
                                    [(ln["unit_price_fen"], ln["discount_fen"], ln["line_total_fen"])
                                     for ln in o["lines"]]) for o in q["orders"]}
    assert got == quoted
    subsidy = sum(o.platform_subsidy_fen for o in Order.objects.filter(checkout_group=body["checkout_group"]))
    assert subsidy == 1500


def test_quote_with_items_and_no_coupons(shop, api_as):
    marketing.claim(shop["customer"], mb.template(shop["m"], amount_off_fen=2000, threshold_fen=0).public_id)
    api = api_as(shop["customer"])
    r = api.post("/checkout/quote", {"items": [{"sku": shop["tea"].public_id, "quantity": 2}], "coupons": []})
    assert r.status_code == 200, r.content
    q = r.json()
    assert q["coupons"] == [] and q["subtotal_fen"] == 24000 and q["discount_fen"] == 3000
    assert q["orders"][0]["lines"][0]["list_unit_price_fen"] == 15000


@pytest.mark.parametrize("coupons", [["nope"], "cpn_x", ["cpn_a", "cpn_a"]])
def test_bad_coupon_lists_are_422(shop, api_as, coupons):
    api = api_as(shop["customer"])
    api.post("/cart/lines", {"sku": shop["tea"].public_id})
    r = api.post("/checkout", {"shipping_address": b.ADDRESS, "coupons": coupons})
    assert r.status_code == 422 and Order.objects.count() == 0


def test_another_merchants_coupon_is_refused_and_nothing_is_written(shop, api_as):
    other = factories.merchant("Elsewhere")
    theirs = marketing.claim(shop["customer"], mb.template(other, amount_off_fen=500, threshold_fen=0).public_id)
    api = api_as(shop["customer"])
    api.post("/cart/lines", {"sku": shop["tea"].public_id})
    r = api.post("/checkout", {"shipping_address": b.ADDRESS, "coupons": [theirs.public_id]})
    assert r.status_code == 409, r.content
    assert r.json()["error"]["code"] == "coupon_not_usable"
    assert r.json()["error"]["details"]["reason"] == "wrong_merchant"
    assert Order.objects.count() == 0 and api.get("/cart").json()["lines"] != []
    assert Coupon.objects.get(pk=theirs.pk).status == CouponStatus.AVAILABLE


def test_a_reserved_coupon_cannot_pay_a_second_order(shop):
    coupon = marketing.claim(shop["customer"], mb.template(shop["m"], amount_off_fen=500, threshold_fen=0)
                             .public_id)
    items = [Item(shop["tea"].public_id, 1)]
    orders.place_orders(shop["customer"], items, shipping_address=b.ADDRESS, coupons=[coupon.public_id])
    with pytest.raises(Conflict) as exc:
        orders.place_orders(shop["customer"], items, shipping_address=b.ADDRESS, coupons=[coupon.public_id])
    assert exc.value.code == "coupon_not_usable"
    # Without naming it, the best combination simply no longer has it.
    (second,) = orders.place_orders(shop["customer"], items, shipping_address=b.ADDRESS)
    assert second.discount_fen == 0 and Order.objects.count() == 2


def test_someone_elses_coupon_is_not_found(shop):
    coupon = marketing.claim(factories.user(), mb.template(shop["m"], amount_off_fen=500, threshold_fen=0)
                             .public_id)
    with pytest.raises(NotFound):
        orders.place_orders(shop["customer"], [Item(shop["tea"].public_id, 1)], shipping_address=b.ADDRESS,
                            coupons=[coupon.public_id])
    with pytest.raises(ValidationFailed):
        orders.place_orders(shop["customer"], [Item(shop["tea"].public_id, 1)], shipping_address=b.ADDRESS,
                            coupons="cpn_all")


def _status(coupon) -> str:
    return Coupon.objects.get(pk=coupon.pk).status


def test_coupon_used_when_paid_and_back_when_an_unpaid_order_closes(shop, gateway):  # noqa: F811
    coupon = marketing.claim(shop["customer"], mb.template(shop["m"], amount_off_fen=500, threshold_fen=0)
                             .public_id)
    (first,) = orders.place_orders(shop["customer"], [Item(shop["tea"].public_id, 1)], shipping_address=b.ADDRESS)
    assert _status(coupon) == CouponStatus.RESERVED
    orders.cancel_order(shop["customer"], first.public_id)
    assert _status(coupon) == CouponStatus.AVAILABLE
    (second,) = orders.place_orders(shop["customer"], [Item(shop["tea"].public_id, 1)], shipping_address=b.ADDRESS)
    assert second.discount_fen == 500  # under 200 no tier, only the coupon
    clock.advance(dt.timedelta(hours=1))
    assert orders.close_expired_orders() == 1
    assert _status(coupon) == CouponStatus.AVAILABLE
    clock.advance(dt.timedelta(minutes=1))
    (third,) = orders.place_orders(shop["customer"], [Item(shop["tea"].public_id, 1)], shipping_address=b.ADDRESS)
    pay(third)
    assert _status(coupon) == CouponStatus.USED


def test_paid_goods_cancelled_before_shipping_get_the_coupon_back(shop, gateway):  # noqa: F811
    coupon = marketing.claim(shop["customer"], mb.template(shop["m"], amount_off_fen=500, threshold_fen=0)
                             .public_id)
    (order,) = orders.place_orders(shop["customer"], [Item(shop["tea"].public_id, 1)], shipping_address=b.ADDRESS)
    pay(order)
    orders.cancel_order(shop["customer"], order.public_id)
    assert _status(coupon) == CouponStatus.AVAILABLE


@pytest.mark.parametrize("returns", [False, True])
def test_refund_after_use_keeps_the_coupon_unless_the_template_returns_it(shop, gateway, returns):  # noqa: F811
    factories.store(shop["m"])  # a service is on sale where a store offers it
    voucher_sku = b.voucher_service(shop["m"], price_fen=3000)
    t = mb.template(shop["m"], amount_off_fen=500, threshold_fen=0, return_on_refund=returns)
    coupon = marketing.claim(shop["customer"], t.public_id)
    (order,) = orders.place_orders(shop["customer"], [Item(voucher_sku.public_id, 1)])
    pay(order)
    assert _status(coupon) == CouponStatus.USED
    voucher = Voucher.objects.get(order=order)
    assert voucher.price_fen == 2500  # the line's net, not the list price
    vouchers.request_refund(shop["customer"], voucher.public_id)
    payments.execute_voucher_refunds()
    refund = refund_succeeds(Refund.objects.get(payment__order=order))
    assert refund.amount_fen == 2500
    assert _status(coupon) == (CouponStatus.AVAILABLE if returns else CouponStatus.USED)


def test_shipping_fee_comes_last_on_the_net(shop, api_as):
    # Free over 200 yuan: the list total 220 would ship free, but after the tier and the
    # coupon the order is 170, so the fee applies (the pipeline's last step).
    fees.set_rule(shop["m"], kind="free_over", flat_fee_fen=800, free_over_fen=20000)
    marketing.claim(shop["customer"], mb.template(shop["m"], amount_off_fen=2000, threshold_fen=0).public_id)
    api = api_as(shop["customer"])
    items = [{"sku": shop["tea"].public_id}, {"sku": shop["cup"].public_id}]
    q = api.post("/checkout/quote", {"items": items}).json()
    assert (q["discount_fen"], q["shipping_fee_fen"], q["total_fen"]) == (5000, 800, 17800)
    r = api.post("/orders", {"lines": items, "shipping_address": b.ADDRESS})
    assert r.status_code == 201, r.content
    (order,) = r.json()["orders"]
    assert (order["shipping_fee_fen"], order["total_fen"]) == (800, 17800)
