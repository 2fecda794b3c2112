"""The customer's order, voucher and review pages read through the apps' selectors,
scoped to the signed-in customer: the parcels with their tracking newest first, which
lines still wait for a review, where a voucher is good, and another customer's order
line answering 404, and the status polling only while a payment is awaited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from o2o.core import clock
from o2o.orders import services as orders
from o2o.payments import selectors
from o2o.payments import services as payments
from o2o.reviews import services as reviews
from o2o.shipping import services as shipping
from tests import factories
from tests.orders import builders as ob
from tests.shipping.helpers import gateway, paid_order, track  # noqa: F401
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def delivered(gateway):  # noqa: F811
    """A completed goods order of two lines, its parcel tracked through two cities."""
    m, customer = factories.merchant(), factories.user()
    loc = ob.location(m)
    tea = ob.goods(m, price_fen=2500, stock=5, loc=loc, title="Oolong")
    cup = ob.goods(m, price_fen=900, stock=5, loc=loc, title="Teacup")
    order = paid_order(customer, [(tea, 1), (cup, 1)])
    parcel = shipping.create_parcel(m, order.public_id)
    start = clock.now()
    track(parcel, "in_transit", at=start - dt.timedelta(hours=2), city="Hangzhou")
    track(parcel, "out_for_delivery", at=start - dt.timedelta(hours=1), city="Shenzhen")
    track(parcel, "delivered", at=start, city="Nanshan")
    shipping.confirm(customer, order.public_id)
    lines = {ln.title: ln for ln in order.lines.all()}
    return {"customer": customer, "order": order, "tea": lines["Oolong"], "cup": lines["Teacup"]}


def test_the_order_page_shows_tracking_newest_first_and_the_lines_to_review(delivered):
    reviews.create_review(delivered["customer"], delivered["tea"].public_id, 5, "good")
    page = _client(delivered["customer"]).get(f"/orders/{delivered['order'].public_id}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("Nanshan") < body.index("Shenzhen") < body.index("Hangzhou")
    assert f"?line={delivered['cup'].public_id}" in body
    assert f"?line={delivered['tea'].public_id}" not in body


def test_another_customers_order_line_cannot_be_reviewed(delivered):
    line = delivered["cup"].public_id
    assert _client(delivered["customer"]).get(f"/reviews/new?line={line}").status_code == 200
    stranger = _client(factories.user())
    assert stranger.get(f"/reviews/new?line={line}").status_code == 404
    assert stranger.post("/reviews/new", {"line": line, "rating": "1", "text": "bad"}).status_code == 404
    assert stranger.get(f"/reviews/new?line={delivered['order'].public_id}").status_code == 404


def test_the_voucher_page_lists_the_stores_it_is_good_at():
    m, rival = factories.merchant(), factories.merchant()
    downtown, uptown = factories.store(m, name="Downtown"), factories.store(m, name="Uptown")
    factories.store(rival, name="Rival Spa")
    customer = factories.user()
    everywhere = vb.vouchers_of(vb.buy(customer, vb.service(m)))[0]
    uptown_only = vb.vouchers_of(vb.buy(customer, vb.service(m, stores=[uptown])))[0]
    c = _client(customer)
    body = c.get(f"/vouchers/{everywhere.public_id}/").content.decode()
    assert downtown.name in body and uptown.name in body and "Rival Spa" not in body
    body = c.get(f"/vouchers/{uptown_only.public_id}/").content.decode()
    assert uptown.name in body and downtown.name not in body


def test_the_orders_page_lists_the_customers_orders_of_a_checkout_group():
    m = factories.merchant()
    factories.store(m)
    customer, other = factories.user(), factories.user()
    first = vb.buy(customer, vb.service(m, title="Haircut"))
    vb.buy(customer, vb.service(m, title="Massage"))
    vb.buy(other, vb.service(m, title="Facial"))
    body = _client(customer).get("/orders/").content.decode()
    assert "Haircut" in body and "Massage" in body and "Facial" not in body
    body = _client(customer).get(f"/orders/?group={first.checkout_group}").content.decode()
    assert "Haircut" in body and "Massage" not in body


def test_the_order_status_polls_only_while_a_payment_is_awaited(gateway):  # noqa: F811
    m, customer = factories.merchant(), factories.user()
    tea = ob.goods(m, price_fen=2500, stock=5, loc=ob.location(m))
    (order,) = orders.place_orders(customer, [orders.Item(tea.public_id, 1)], shipping_address=ob.ADDRESS)
    c = _client(customer)
    status = f"/orders/{order.public_id}/status/"
    assert 'hx-trigger="every 2s"' not in c.get(status).content.decode()
    payments.start_payment(customer, order.public_id, "native")
    assert selectors.awaiting_gateway(order)
    assert 'hx-trigger="every 2s"' in c.get(status).content.decode()
    # Another customer's order status is not there at all.
    assert _client(factories.user()).get(status).status_code == 404
