"""The merchant console on a desktop, on the demo data: a booking lowers a slot's
places left on the owner's screen; the owner ships a paid goods order."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from o2o.catalog.models import Product
from o2o.core import clock
from o2o.demo import loader
from o2o.demo.data import DEMO_PASSWORD
from o2o.inventory.models import Slot
from o2o.inventory.services import store_zone
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderStatus
from tests.browser.conftest import login, shot
from tests.orders.builders import ADDRESS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    loader.load(tokens=False)


def test_a_booking_lowers_the_places_left_on_the_slots_screen(desk, demo):
    cut = Product.objects.get(title="资深发型师精剪造型")
    slot = (Slot.objects.select_related("store").filter(product=cut, starts_at__gt=clock.now(), is_closed=False)
            .order_by("starts_at").first())
    assert slot is not None and slot.booked < slot.capacity
    day = slot.starts_at.astimezone(store_zone(slot.store)).date().isoformat()
    login(desk, "salon_owner", DEMO_PASSWORD)
    desk.goto("/console/")
    shot(desk, "console-dashboard")
    desk.goto(f"/console/services/{cut.public_id}/slots/?day={day}")
    row = desk.locator(f"tr[data-slot={slot.public_id}]")
    before = int(row.locator(".cs-left-n").inner_text())
    assert before == slot.capacity - slot.booked

    alice = get_user_model().objects.get(username="alice")
    sku = cut.skus.filter(is_active=True).first()
    orders.place_orders(alice, [orders.Item(sku.public_id, 1, slot.public_id)])

    desk.reload()
    after = int(desk.locator(f"tr[data-slot={slot.public_id}] .cs-left-n").inner_text())
    assert after == before - 1
    shot(desk, "console-slots")


def test_owner_ships_a_paid_goods_order_with_the_parcel_form(desk, demo):
    alice = get_user_model().objects.get(username="alice")
    tea = Product.objects.get(title="英德红茶 250g")
    sku = tea.skus.filter(is_active=True).first()
    (order,) = orders.place_orders(alice, [orders.Item(sku.public_id, 1)], shipping_address=ADDRESS)
    orders.record_payment(order.public_id, "txn-browser-console-tea", order.total_fen)

    login(desk, "shop_owner", DEMO_PASSWORD)
    desk.goto("/console/orders/")
    desk.click(f"a[href='/console/orders/{order.public_id}/']")
    desk.select_option("#sh-carrier", "sandbox")
    desk.fill("#sh-tracking", "SBX20261123001")
    desk.click("#ship-form button[type=submit]")
    desk.wait_for_selector("#order-status-badge[data-status=shipped]")
    assert "SBX20261123001" in desk.content()
    shot(desk, "console-ship")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
