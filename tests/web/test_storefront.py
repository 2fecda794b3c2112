"""Storefront pages through Django's test client: sign-in walls, other customers' ids,
bad input, and the pages rendering the services' data."""

from __future__ import annotations

import pytest
from django.test import Client

from o2o.catalog.models import ProductKind
from o2o.orders import services as orders
from o2o.orders.models import CartLine, Order, OrderStatus
from o2o.vouchers.models import VoucherStatus
from tests import factories
from tests.orders import builders as ob
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("path", ["/cart/", "/checkout/", "/orders/", "/vouchers/", "/orders/ord_x/",
                                  "/vouchers/vch_x/", "/reviews/new?line=oln_x"])
def test_signed_in_pages_send_visitors_to_login(client, path):
    r = client.get(path)
    assert r.status_code == 302
    assert r["Location"].startswith("/login/?next=")


def test_add_to_cart_without_login_goes_to_login_and_back_to_the_product(client):
    m = factories.merchant()
    sku = ob.goods(m)
    back = f"/p/{sku.product.public_id}/"
    r = client.post("/cart/add/", {"sku": sku.public_id, "quantity": "1", "back": back})
    assert r.status_code == 302 and r["Location"] == f"/login/?next={back.replace('/', '%2F')}"


def test_home_product_and_merchant_pages_render():
    m = factories.merchant("川味小馆")
    st = factories.store(m)
    p = vb.service(m, price_fen=12345, title="双人套餐")
    c = Client()
    home = c.get("/?city=nanshan")
    assert home.status_code == 200
    page = c.get(f"/p/{p.public_id}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "双人套餐" in body and "¥123.45" in body and st.name in body
    assert c.get(f"/m/{m.public_id}/").status_code == 200
    assert c.get("/p/prd_nope/").status_code == 404
    assert c.get("/m/mer_nope/").status_code == 404


def test_other_customers_order_and_voucher_are_404():
    m = factories.merchant()
    factories.store(m)
    owner = factories.user()
    order = vb.buy(owner, vb.service(m))
    voucher = vb.vouchers_of(order)[0]
    mine = _client(owner)
    assert mine.get(f"/orders/{order.public_id}/").status_code == 200
    page = mine.get(f"/vouchers/{voucher.public_id}/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    other = _client(factories.user())
    for path in (f"/orders/{order.public_id}/", f"/vouchers/{voucher.public_id}/",
                 f"/orders/{order.public_id}/pay/", f"/vouchers/{voucher.public_id}/refund/"):
        assert other.get(path).status_code == 404, path
    assert other.post(f"/orders/{order.public_id}/cancel/").status_code == 404


@pytest.mark.parametrize("qty", ["0", "-1", "abc", "100", "1.5", ""])
def test_bad_quantity_is_refused_without_a_write(qty):
    m = factories.merchant()
    sku = ob.goods(m)
    user = factories.user()
    c = _client(user)
    back = f"/p/{sku.product.public_id}/"
    r = c.post("/cart/add/", {"sku": sku.public_id, "quantity": qty, "back": back}, follow=True)
    assert r.status_code == 200
    assert not CartLine.objects.filter(cart__customer=user).exists()
    assert any(m.level_tag == "error" for m in r.context["messages"])


def test_update_quantity_with_bad_value_keeps_the_line():
    m = factories.merchant()
    sku = ob.goods(m)
    user = factories.user()
    line = orders.add_line(user, sku.public_id, 2)
    c = _client(user)
    c.post(f"/cart/lines/{line.public_id}/", {"quantity": "zero", "action": "update"})
    line.refresh_from_db()
    assert line.quantity == 2
    c.post(f"/cart/lines/{line.public_id}/", {"quantity": "3", "action": "update"})
    line.refresh_from_db()
    assert line.quantity == 3
    c.post(f"/cart/lines/{line.public_id}/", {"action": "remove"})
    assert not CartLine.objects.filter(pk=line.pk).exists()


def test_checkout_twice_with_one_form_key_places_one_order():
    m = factories.merchant()
    sku = ob.goods(m, price_fen=2500)
    assert sku.product.kind == ProductKind.GOODS
    user = factories.user()
    orders.add_line(user, sku.public_id, 2)
    c = _client(user)
    form = {"form_key": "k-123", "delivery": "ship", **ob.ADDRESS}
    first = c.post("/checkout/", form)
    second = c.post("/checkout/", form)
    assert first.status_code == 302 and first["Location"] == second["Location"]
    placed = Order.objects.filter(customer=user)
    assert placed.count() == 1
    assert first["Location"] == f"/orders/{placed.get().public_id}/pay/"
    assert placed.get().total_fen == 5000 + placed.get().shipping_fee_fen


def test_checkout_with_a_bad_address_shows_the_reason_and_places_nothing():
    m = factories.merchant()
    sku = ob.goods(m)
    user = factories.user()
    orders.add_line(user, sku.public_id, 1)
    r = _client(user).post("/checkout/", {"form_key": "k-1", "delivery": "ship", **{**ob.ADDRESS, "phone": "x"}})
    assert r.status_code == 200
    assert not Order.objects.filter(customer=user).exists()
    assert CartLine.objects.filter(cart__customer=user).count() == 1


def test_cancel_an_unpaid_order():
    m = factories.merchant()
    sku = ob.goods(m)
    user = factories.user()
    (order,) = orders.place_orders(user, [orders.Item(sku.public_id, 1)], shipping_address=ob.ADDRESS)
    r = _client(user).post(f"/orders/{order.public_id}/cancel/")
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED


def test_refund_has_a_confirm_step():
    m = factories.merchant()
    factories.store(m)
    user = factories.user()
    order = vb.buy(user, vb.service(m, price_fen=8800))
    v = vb.vouchers_of(order)[0]
    c = _client(user)
    confirm = c.get(f"/vouchers/{v.public_id}/refund/")
    assert confirm.status_code == 200 and "¥88.00" in confirm.content.decode()
    v.refresh_from_db()
    assert v.status == VoucherStatus.ACTIVE
    c.post(f"/vouchers/{v.public_id}/refund/", {"reason": "plans changed"})
    v.refresh_from_db()
    assert v.status == VoucherStatus.REFUNDED


def test_pages_need_csrf_tokens():
    m = factories.merchant()
    sku = ob.goods(m)
    user = factories.user()
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    r = c.post("/cart/add/", {"sku": sku.public_id, "quantity": "1"})
    assert r.status_code == 403
    assert not CartLine.objects.filter(cart__customer=user).exists()
