"""The redemption screen on a counter tablet, on the demo data: staff at the right store
see who and what, confirm and get green; at the wrong store, red with the reason."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from o2o.catalog.models import Product
from o2o.demo import loader
from o2o.demo.data import DEMO_PASSWORD
from o2o.orders import services as orders
from o2o.vouchers.models import Voucher
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def platter_code():
    """A paid voucher of alice's for a set meal valid at 川味坊 科技园店 only."""
    loader.load(tokens=False)
    alice = get_user_model().objects.get(username="alice")
    platter = Product.objects.get(title="毛肚鸭肠拼盘单人餐")
    sku = platter.skus.filter(is_active=True).first()
    (order,) = orders.place_orders(alice, [orders.Item(sku.public_id, 1)])
    orders.record_payment(order.public_id, "txn-browser-platter", order.total_fen)
    return Voucher.objects.get(order=order).code


def test_staff_at_the_right_store_redeem_and_see_green(desk, platter_code):
    login(desk, "hotpot_staff_hitech", DEMO_PASSWORD)
    desk.goto("/counter/")
    assert "科技园店" in desk.locator("#ct-store-name").inner_text()
    # A scanner types the code and presses Enter into the focused input.
    desk.keyboard.type(platter_code)
    desk.keyboard.press("Enter")
    desk.wait_for_selector("#ct-confirm")
    assert "毛肚鸭肠拼盘单人餐" in desk.locator(".ct-check").inner_text()
    assert "*" in desk.locator("#ct-customer").inner_text()  # the masked name
    desk.click("#ct-confirm")
    banner = desk.wait_for_selector("[data-verdict=redeemed]")
    assert "毛肚鸭肠拼盘单人餐" in banner.inner_text()
    assert desk.locator("#ct-recent tbody tr").count() == 1
    shot(desk, "counter-green")
    assert Voucher.objects.get(code=platter_code).uses_left == 0


def test_staff_at_the_wrong_store_see_red_with_the_reason(desk, platter_code):
    from o2o.web.counter.views import REASONS

    login(desk, "hotpot_staff_coastal", DEMO_PASSWORD)
    desk.goto("/counter/")
    assert "海岸城店" in desk.locator("#ct-store-name").inner_text()
    desk.fill("#ct-code", platter_code)
    desk.click(".ct-go")
    banner = desk.wait_for_selector("[data-verdict=refused]")
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(REASONS["wrong_store"]) in banner.inner_text()
    shot(desk, "counter-red")
    assert Voucher.objects.get(code=platter_code).uses_left == 1
