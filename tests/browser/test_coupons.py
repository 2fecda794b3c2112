"""Coupons end to end in a browser, on the demo data: a customer claims the 川味坊
满100减20 coupon on a product page, sees it applied at checkout with the saving, pays at
the sandbox cashier, and the merchant's Marketing tab counts it used, with the GMV it
drove; the platform's ¥5 coupon claimed in the coupon centre stacks on it and shows as
platform spend to the operators. Phone-sized for the customer, desktop for the others."""

from __future__ import annotations

import re

import pytest

from o2o.catalog.models import Product
from o2o.demo import loader
from o2o.demo.data import DEMO_PASSWORD
from o2o.marketing.models import Coupon, CouponStatus, CouponTemplate
from o2o.orders.models import Order, OrderStatus
from o2o.sandbox import services as sandbox
from tests.browser.conftest import login, shot
from tests.browser.test_a11y import _check_markup
from tests.payments.helpers import point_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    loader.load(tokens=False)


def test_claim_on_a_product_page_apply_at_checkout_pay_and_the_merchant_counts_it(
        phone, desk, demo, settings, live_server):
    point_at(settings, live_server.url)
    meal = Product.objects.get(title="重庆火锅双人套餐")  # ¥198
    template = CouponTemplate.objects.get(title="川味坊 满100减20")
    login(phone, "alice", DEMO_PASSWORD)

    phone.goto(f"/p/{meal.public_id}/")
    offer = phone.locator(f".sf-coupon-offer[data-template={template.public_id}]")
    assert "满100减20" in offer.inner_text()
    offer.get_by_role("button", name=re.compile("领取")).click()
    phone.wait_for_selector(f".sf-coupon-offer[data-template={template.public_id}] .sf-badge:has-text('已领取')")
    assert "领取成功" in phone.locator(".messages").inner_text()
    coupon = Coupon.objects.get(template=template, customer__username="alice")
    assert coupon.status == CouponStatus.AVAILABLE
    shot(phone, "storefront-claim")

    # The platform's ¥5 coupon from the coupon centre: it stacks on the merchant's.
    platform = CouponTemplate.objects.get(title="平台通用 无门槛¥5")
    phone.get_by_role("link", name="优惠券").click()
    phone.wait_for_url("**/coupons/")
    phone.locator(f".sf-coupon-card[data-template={platform.public_id}]").get_by_role(
        "button", name=re.compile("领取")).click()
    phone.wait_for_selector(f".sf-coupon-card[data-template={platform.public_id}] .sf-badge:has-text('已领取')")
    cash = Coupon.objects.get(template=platform, customer__username="alice")
    for path in ("/coupons/", "/me/coupons/"):
        _check_markup(phone, path)  # labels, one h1, alt texts
    phone.goto(f"/p/{meal.public_id}/")

    phone.get_by_role("button", name="加入购物车").click()
    phone.wait_for_url("**/cart/")
    phone.get_by_role("link", name="去结算").click()
    phone.wait_for_url("**/checkout/")
    _check_markup(phone, "/checkout/")
    picked = phone.locator(f".sf-coupon[data-coupon={coupon.public_id}]")
    assert picked.locator("input").is_checked() and "本单已用" in picked.inner_text()
    assert phone.locator(f".sf-coupon[data-coupon={cash.public_id}] input").is_checked()
    assert phone.locator("#saving").inner_text() == "已优惠 ¥25.00"
    assert phone.locator("#grand-total").inner_text() == "¥173.00"
    phone.locator("#coupon-picker").scroll_into_view_if_needed()
    shot(phone, "storefront-checkout-coupon")

    phone.get_by_role("button", name="提交订单并支付").click()
    phone.wait_for_url(re.compile(r"/orders/ord_\w+/pay/$"))
    order_id = phone.url.rstrip("/").split("/")[-2]
    phone.get_by_role("button", name="微信支付").click()
    phone.wait_for_url(re.compile(r"/sandbox/wechatpay/cashier/"))
    assert "173.00" in phone.get_by_role("button", name=re.compile(r"^Pay ¥")).inner_text()
    phone.get_by_role("button", name=re.compile(r"^Pay ¥")).click()
    phone.wait_for_selector("#outcome")
    assert sandbox.deliver_due() >= 1
    phone.get_by_role("link", name="Back to the shop").click()
    phone.wait_for_url(f"**/orders/{order_id}/")
    phone.wait_for_selector("#status-badge:has-text('已支付')")
    order = Order.objects.get(public_id=order_id)
    assert order.status == OrderStatus.PAID and order.total_fen == 17300 and order.discount_fen == 2500
    for c in (coupon, cash):
        c.refresh_from_db()
        assert c.status == CouponStatus.USED
    phone.goto("/me/coupons/?status=used")
    assert phone.locator(f"[data-coupon={coupon.public_id}]").is_visible()

    login(desk, "hotpot_owner", DEMO_PASSWORD)
    desk.goto("/console/")
    desk.get_by_role("link", name="营销").click()
    desk.wait_for_url("**/console/marketing/")
    _check_markup(desk, "/console/marketing/")
    row = desk.locator(f"tr[data-template={template.public_id}]")
    assert row.locator(".cs-used").inner_text() == "1"
    assert row.locator(".cs-claimed").inner_text() == "1 / 1000"
    assert row.locator(".cs-gmv").inner_text() == "¥173.00"
    shot(desk, "console-marketing")

    # The operators see the platform's ¥5 on its template, under the budget cap.
    desk.context.clear_cookies()
    login(desk, "operator", DEMO_PASSWORD)
    _check_markup(desk, "/ops/marketing/")
    assert desk.locator(f"tr[data-template={platform.public_id}] .ops-spend").inner_text() == "¥5.00"
    shot(desk, "ops-coupon-spend")
