"""A shipment and a refund of the same paid goods order, at the same instant, on
PostgreSQL: two real clients (threads with their own connections, through the HTTP
API) race, round after round. Exactly one of them wins; the order never ends both
shipped and refunded."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from o2o.inventory.models import StockLevel
from o2o.orders.models import Order
from o2o.payments.models import Refund
from o2o.shipping.models import Parcel
from tests import factories
from tests.conftest import ApiClient
from tests.orders import builders as ob
from tests.shipping import helpers as h
from tests.shipping.helpers import gateway  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 15


def _race(*calls) -> list:
    """Run each (client, path, body) at the same instant; return the responses in order."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(i: int, client: ApiClient, path: str, body: dict) -> None:
        try:
            barrier.wait(timeout=30)
            answers[i] = client.post(path, body)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return answers


@pytest.fixture
def shop():
    m = factories.merchant()
    customer = factories.user()
    return {"m": m, "customer": customer, "sku": ob.goods(m, price_fen=4000, stock=2 * ROUNDS),
            "owner": ApiClient(factories.token_for(m.owner)), "buyer": ApiClient(factories.token_for(customer))}


def test_parcel_and_direct_refund_never_both_succeed(gateway, shop):  # noqa: F811
    """Was: both answered 201, leaving a shipped order fully refunded."""
    for _ in range(ROUNDS):
        order = h.paid_order(shop["customer"], [(shop["sku"], 1)])
        ship, refund = _race(
            (shop["owner"], f"/merchant/orders/{order.public_id}/parcels", {}),
            (shop["buyer"], f"/orders/{order.public_id}/refunds", {"amount_fen": order.total_fen}))
        assert ship.status_code == 201, ship.content
        assert refund.status_code == 409 and refund.json()["error"]["code"] == "use_cancel_or_after_sales"
        assert Order.objects.get(pk=order.pk).status == "shipped"
        assert not Refund.objects.filter(payment__order=order).exists()


def test_parcel_and_cancel_exactly_one_wins(gateway, shop):  # noqa: F811
    for _ in range(ROUNDS):
        order = h.paid_order(shop["customer"], [(shop["sku"], 1)])
        ship, cancel = _race(
            (shop["owner"], f"/merchant/orders/{order.public_id}/parcels", {}),
            (shop["buyer"], f"/orders/{order.public_id}/cancel", {}))
        won = (ship.status_code == 201, cancel.status_code == 200)
        assert sum(won) == 1, (ship.content, cancel.content)
        order.refresh_from_db()
        refunds = list(Refund.objects.filter(payment__order=order).values_list("amount_fen", flat=True))
        if won[0]:
            assert cancel.json()["error"]["code"] == "illegal_transition"
            assert order.status == "shipped" and refunds == []
        else:
            assert ship.json()["error"]["code"] == "illegal_transition"
            assert order.status == "closed" and refunds == [order.total_fen]
            assert not Parcel.objects.filter(order=order).exists()
    # Stock: every cancelled unit is back on the shelf, every shipped one is gone.
    closed = Order.objects.filter(status="closed").count()
    assert StockLevel.objects.get(sku=shop["sku"]).on_hand == ROUNDS + closed
