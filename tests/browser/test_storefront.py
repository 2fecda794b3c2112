"""The storefront on a phone, on the demo data: buy a set meal and pay at the sandbox
cashier, book a salon slot, follow a parcel and confirm receipt."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from o2o.catalog.models import Product
from o2o.core import clock
from o2o.demo import loader
from o2o.demo.data import DEMO_PASSWORD
from o2o.inventory.models import Slot
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderStatus
from o2o.shipping import services as shipping
from o2o.vouchers.models import Voucher
from tests.browser.conftest import login, shot
from tests.orders.builders import ADDRESS
from tests.payments.helpers import point_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    loader.load(tokens=False)


def test_customer_buys_a_set_meal_and_gets_a_voucher_qr(phone, demo, settings, live_server):
    from o2o.sandbox import services as sandbox

    point_at(settings, live_server.url)
    login(phone, "alice", DEMO_PASSWORD)
    phone.goto("/?city=nanshan")
    shot(phone, "storefront-home")
    phone.fill("#q", "套餐")
    phone.press("#q", "Enter")
    phone.wait_for_load_state()
    phone.get_by_role("link", name="重庆火锅双人套餐").first.click()
    phone.wait_for_load_state()
    assert phone.get_by_text("随时退").first.is_visible()
    shot(phone, "storefront-product")
    phone.get_by_role("button", name="加入购物车").click()
    phone.wait_for_url("**/cart/")
    assert "重庆火锅双人套餐" in phone.locator("main").inner_text()
    phone.get_by_role("link", name="去结算").click()
    phone.wait_for_url("**/checkout/")
    shot(phone, "storefront-checkout")
    phone.get_by_role("button", name="提交订单并支付").click()
    phone.wait_for_url(re.compile(r"/orders/ord_\w+/pay/$"))
    order_id = phone.url.rstrip("/").split("/")[-2]
    phone.get_by_role("button", name="微信支付").click()
    phone.wait_for_url(re.compile(r"/sandbox/wechatpay/cashier/"))
    phone.get_by_role("button", name=re.compile(r"^Pay ¥")).click()
    phone.wait_for_selector("#outcome")
    assert sandbox.deliver_due() >= 1
    phone.get_by_role("link", name="Back to the shop").click()
    phone.wait_for_url(f"**/orders/{order_id}/")
    phone.wait_for_selector("#status-badge:has-text('已支付')")
    assert Order.objects.get(public_id=order_id).status == OrderStatus.PAID
    voucher = Voucher.objects.get(order__public_id=order_id)
    phone.get_by_role("link", name="重庆火锅双人套餐").last.click()
    phone.wait_for_url(f"**/vouchers/{voucher.public_id}/")
    box = phone.locator(".sf-qr-img svg").bounding_box()
    assert box and box["width"] >= 240 and box["height"] >= 240
    code = phone.locator("#voucher-code").inner_text()
    assert code.replace(" ", "") == voucher.code and " " in code
    shot(phone, "storefront-voucher")


def test_customer_books_a_salon_slot(phone, demo):
    product = Product.objects.get(title="资深发型师精剪造型")
    login(phone, "alice", DEMO_PASSWORD)
    phone.goto(f"/p/{product.public_id}/")
    if phone.locator(".sf-slot").count() == 0:  # late in the day: tomorrow's slots
        phone.get_by_role("tab", name="明天").click()
        phone.wait_for_selector(".sf-slot")
    phone.get_by_role("tab", name="明天").click()  # the day tabs load through htmx
    phone.wait_for_selector(".sf-tab.on:has-text('明天')")
    slot_input = phone.locator(".sf-slot input").first
    slot_id = slot_input.get_attribute("value")
    booked_before = Slot.objects.get(public_id=slot_id).booked
    phone.locator(".sf-slot").first.click()
    shot(phone, "storefront-slot-picker")
    phone.get_by_role("button", name="加入购物车").click()
    phone.wait_for_url("**/cart/")
    phone.get_by_role("link", name="去结算").click()
    phone.get_by_role("button", name="提交订单并支付").click()
    phone.wait_for_url(re.compile(r"/orders/ord_\w+/pay/$"))
    assert Slot.objects.get(public_id=slot_id).booked == booked_before + 1


def test_customer_follows_a_parcel_and_confirms_receipt(phone, demo):
    from django.contrib.auth import get_user_model

    alice = get_user_model().objects.get(username="alice")
    tea = Product.objects.get(title="英德红茶 250g")
    sku = tea.skus.filter(is_active=True).first()
    (order,) = orders.place_orders(alice, [orders.Item(sku.public_id, 1)], shipping_address=ADDRESS)
    orders.record_payment(order.public_id, "txn-browser-tea", order.total_fen)
    parcel = shipping.create_parcel(order.merchant, order.public_id, carrier="sandbox")
    for minutes, status, city, text in ((1, "in_transit", "广州", "到达广州转运中心"),
                                        (2, "delivered", "深圳", "已签收，前台代收")):
        at = (clock.now() + dt.timedelta(minutes=minutes)).isoformat()
        shipping.apply_tracking_event("sandbox", {
            "tracking_number": parcel.tracking_number, "event_id": f"ev-{status}", "status": status,
            "occurred_at": at, "city": city, "description": text})
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    login(phone, "alice", DEMO_PASSWORD)
    phone.goto(f"/orders/{order.public_id}/")
    timeline = phone.locator("#timeline").inner_text()
    assert "已支付" in timeline and "已发货" in timeline
    assert parcel.tracking_number in phone.locator("main").inner_text()
    assert "到达广州转运中心" in phone.locator("main").inner_text()
    shot(phone, "storefront-order-timeline")
    phone.get_by_role("button", name="确认收货").click()
    phone.wait_for_selector("#status-badge:has-text('已完成')")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
