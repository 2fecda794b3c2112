"""Inside WeChat on a phone (a MicroMessenger user agent, 390 px): the storefront signs
the customer in without a form (OAuth2 snsapi_base at the sandbox OAuth server) and pays
with JSAPI: the page hands the server-signed parameters to WeixinJSBridge, which the
sandbox plays as the WeChat pay sheet."""

from __future__ import annotations

import re

import pytest

from o2o.catalog.models import Product
from o2o.demo import loader
from o2o.orders.models import Order, OrderStatus
from o2o.payments.models import Payment
from o2o.sandbox import oauth
from o2o.sandbox import services as sandbox
from o2o.sandbox.oauth_views import device_cookie_value
from o2o.wxauth import config
from tests.browser.conftest import PHONE, shot
from tests.payments.helpers import point_at
from tests.wxauth.flows import WECHAT_UA

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wechat_phone(browser, live_server):
    """A phone whose browser is WeChat's, its WeChat signed in as the demo user 阿明."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url, user_agent=WECHAT_UA)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": oauth.DEVICE_COOKIE, "value": device_cookie_value("amin"), "domain": host,
                          "path": "/"}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_inside_wechat_the_storefront_signs_in_without_a_form_and_pays_with_jsapi(
        wechat_phone, settings, live_server):
    loader.load(tokens=False)
    point_at(settings, live_server.url)
    page = wechat_phone
    pages: list[tuple[str, int]] = []
    page.on("response", lambda r: pages.append((r.url, r.status)) if r.request.resource_type == "document" else None)
    product = Product.objects.get(title="重庆火锅双人套餐")
    page.goto(f"/p/{product.public_id}/")
    page.get_by_role("button", name="加入购物车").click()  # needs a customer: WeChat signs in...
    # ...and brings them back to the product, signed in (snsapi_base: no nickname, WeChat's default name).
    page.wait_for_selector("header:has-text('微信用户')")
    assert f"/p/{product.public_id}/" in page.url
    # The way in: login page -> start -> the sandbox's authorize URL -> callback, all redirects.
    assert any("/sandbox/wechat/connect/oauth2/authorize" in u and s == 302 for u, s in pages)
    assert all(s == 302 for u, s in pages if "/login/" in u), pages
    assert page.locator("input[type=password]").count() == 0
    shot(page, "wechat-signed-in-product")
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_url("**/cart/")
    page.get_by_role("link", name="去结算").click()
    page.wait_for_url("**/checkout/")
    page.get_by_role("button", name="提交订单并支付").click()
    page.wait_for_url(re.compile(r"/orders/ord_\w+/pay/$"))
    order_id = page.url.rstrip("/").split("/")[-2]
    page.get_by_role("button", name="微信支付").click()
    page.wait_for_url(f"**/orders/{order_id}/pay/wechat/")
    sheet = page.get_by_role("dialog", name="微信支付")
    sheet.wait_for()
    order = Order.objects.get(public_id=order_id)
    assert page.locator("#wx-sheet-amount").inner_text() == f"¥{order.total_fen // 100}.{order.total_fen % 100:02d}"
    page.locator("#wx-sheet-cancel").click()  # the wallet's cancel: the page says so and offers to pay again
    page.locator("#wx-cancelled").wait_for()
    assert not page.locator("#wx-sheet").is_visible()
    page.get_by_role("button", name="重新支付").click()
    sheet.wait_for()
    assert not page.locator("#wx-retry").is_visible()
    shot(page, "wechat-jsapi-pay-sheet")
    page.locator("#wx-sheet-pay").click()
    page.wait_for_url(f"**/orders/{order_id}/")
    assert sandbox.deliver_due() >= 1
    page.wait_for_selector("#status-badge:has-text('已支付')")
    shot(page, "wechat-jsapi-paid")
    payment = Payment.objects.get(order=order)
    assert payment.channel == "jsapi" and payment.status == "succeeded"
    assert payment.payer_openid == oauth.openid("amin", config.pay_appid())
    assert Order.objects.get(public_id=order_id).status == OrderStatus.PAID


def test_outside_wechat_the_login_page_signs_in_with_wechat_through_the_picker(phone):
    phone.goto("/login/?next=/orders/")
    assert phone.locator("input[type=password]").count() == 1  # outside WeChat: no silent attempt
    shot(phone, "wechat-login-page")
    phone.get_by_role("link", name="微信登录").click()
    phone.wait_for_url(re.compile(r"/sandbox/wechat/connect/qrconnect\?"))
    phone.get_by_label(re.compile("小红")).check()
    shot(phone, "wechat-sandbox-picker")
    phone.get_by_role("button", name=re.compile("允许")).click()
    phone.wait_for_url(re.compile(r"/orders/"))
    assert "小红" in phone.locator("header").inner_text()  # snsapi_login brings the nickname
