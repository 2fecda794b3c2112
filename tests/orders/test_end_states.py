"""One owner for the end states of an order: the customer's cancel (API and storefront)
refunds and restocks a paid goods order that has not left, and a customer never
refunds an order directly."""

from __future__ import annotations

import pytest
from django.test import Client

from o2o.core.errors import Conflict
from o2o.core.models import OutboxEvent
from o2o.inventory import services as inventory
from o2o.inventory.models import StockLevel
from o2o.orders import services as orders
from o2o.orders.models import Order
from o2o.payments.models import Refund
from o2o.shipping import services as shipping
from o2o.shipping.models import PickupCode
from tests import factories
from tests.orders import builders as b
from tests.shipping.helpers import gateway, paid_order, ship_and_deliver  # noqa: F401
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(gateway):  # noqa: F811
    m = factories.merchant()
    return {"m": m, "store": factories.store(m), "tea": b.goods(m, price_fen=2500, stock=10),
            "customer": factories.user()}


def _refunds(order: Order) -> list[int]:
    return list(Refund.objects.filter(payment__order=order).values_list("amount_fen", flat=True))


def _on_hand(shop) -> int:
    return shop["tea"].stock_levels.get(location__kind="warehouse").on_hand


def test_storefront_cancel_of_a_paid_order_refunds_and_restocks(shop):
    """Was: the page closed the paid order, kept the money and the stock."""
    order = paid_order(shop["customer"], [(shop["tea"], 2)])
    assert _on_hand(shop) == 8
    c = Client()
    c.force_login(shop["customer"])
    page = c.get(f"/orders/{order.public_id}/")
    assert page.status_code == 200 and f"/orders/{order.public_id}/cancel/" in page.content.decode()
    r = c.post(f"/orders/{order.public_id}/cancel/", follow=True)
    assert r.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.close_reason) == ("closed", "cancelled")
    assert _refunds(order) == [5000]
    assert _on_hand(shop) == 10
    closed = OutboxEvent.objects.get(aggregate_id=order.public_id, event_type="order.closed")
    assert closed.payload["refund"] == Refund.objects.get(payment__order=order).public_id
    assert closed.payload["refund_fen"] == 5000


def test_api_cancel_of_a_paid_order_refunds_restocks_and_is_refused_once_shipped(shop, api_as):
    api = api_as(shop["customer"])
    order = paid_order(shop["customer"], [(shop["tea"], 1)])
    r = api.post(f"/orders/{order.public_id}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "closed", r.content
    assert _refunds(Order.objects.get(pk=order.pk)) == [2500] and _on_hand(shop) == 10
    again = api.post(f"/orders/{order.public_id}/cancel")
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    assert _refunds(order) == [2500]  # no second refund

    two = paid_order(shop["customer"], [(shop["tea"], 2)])
    line = two.lines.get()
    shipping.create_parcel(shop["m"], two.public_id, items=[(line.public_id, 1)])  # one of two left
    r = api.post(f"/orders/{two.public_id}/cancel")
    assert r.status_code == 409 and r.json()["error"]["code"] == "partly_shipped"
    two.refresh_from_db()
    assert two.status == "paid" and _refunds(two) == []


def test_pickup_order_cancelled_while_waiting_at_the_store(shop, api_as):
    shelf = inventory.create_location(shop["m"], name="Shelf", kind="store",
                                      store_public_id=shop["store"].public_id)
    inventory.set_stock(shop["m"], shop["tea"].public_id, shelf.public_id, 3)
    order = paid_order(shop["customer"], [(shop["tea"], 1)], pickup_store=shop["store"].public_id)
    pc = shipping.mark_ready(shop["m"], order.public_id)
    r = api_as(shop["customer"]).post(f"/orders/{order.public_id}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert _refunds(order) == [2500]
    assert StockLevel.objects.get(sku=shop["tea"], location=shelf).on_hand == 3  # back on the store's shelf
    assert PickupCode.objects.get(pk=pc.pk).status == "cancelled"


def test_a_paid_service_order_is_not_cancelled_whole(shop, api_as):
    order = vb.buy(shop["customer"], vb.service(shop["m"]))
    r = api_as(shop["customer"]).post(f"/orders/{order.public_id}/cancel")
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_a_customer_never_refunds_an_order_directly(shop, api_as):
    """Was: POST /orders/{id}/refunds refunded 100% of a paid order that then still shipped."""
    api = api_as(shop["customer"])
    order = paid_order(shop["customer"], [(shop["tea"], 1)])
    r = api.post(f"/orders/{order.public_id}/refunds", {"amount_fen": 2500})
    assert r.status_code == 409, r.content
    err = r.json()["error"]
    assert err["code"] == "use_cancel_or_after_sales"
    assert err["details"]["path"] == f"/api/v1/orders/{order.public_id}/cancel"
    assert _refunds(order) == [] and Order.objects.get(pk=order.pk).status == "paid"

    ship_and_deliver(shop["m"], order)
    r = api.post(f"/orders/{order.public_id}/refunds", {"amount_fen": 2500})
    assert r.json()["error"]["details"]["path"] == f"/api/v1/orders/{order.public_id}/after-sales"
    assert _refunds(order) == []

    service = vb.buy(shop["customer"], vb.service(shop["m"]))
    r = api.post(f"/orders/{service.public_id}/refunds", {"amount_fen": 1})
    assert r.status_code == 409 and r.json()["error"]["code"] == "use_voucher_refund"
    assert api_as(factories.user()).post(f"/orders/{order.public_id}/refunds", {}).status_code == 404


def test_cancel_needs_a_refund_it_can_make(shop):
    """A paid order without a gateway payment cannot be refunded, so it stays paid."""
    (order,) = orders.place_orders(shop["customer"], [orders.Item(shop["tea"].public_id, 1)],
                                   shipping_address=b.ADDRESS)
    orders.record_payment(order.public_id, "txn-no-gateway", order.total_fen)
    with pytest.raises(Conflict) as exc:
        orders.cancel_order(shop["customer"], order.public_id)
    assert exc.value.code == "not_refundable"
    order.refresh_from_db()
    assert order.status == "paid" and _on_hand(shop) == 9
