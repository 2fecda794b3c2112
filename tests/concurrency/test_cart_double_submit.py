"""A double-clicked checkout without an Idempotency-Key places one set of orders: the
second submit waits on the locked cart, then finds it empty (409 cart_empty)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from o2o.inventory.models import StockLevel
from o2o.orders.models import CartLine, Order
from tests import factories
from tests.conftest import ApiClient
from tests.orders import builders as b

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 8


def _submit_twice(token: str) -> list[tuple[int, str | None]]:
    """Two POST /checkout of the same cart at the same moment: (status, error code) each."""
    gate = threading.Barrier(2)

    def submit(_):
        client = ApiClient(token)
        gate.wait()
        try:
            r = client.post("/checkout", {"shipping_address": b.ADDRESS})
            return r.status_code, (r.json().get("error") or {}).get("code") if r.status_code >= 400 else None
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        return sorted(pool.map(submit, range(2)))


def test_a_double_submitted_cart_becomes_one_set_of_orders():
    tea, cake = b.goods(factories.merchant(), stock=100), b.goods(factories.merchant(), stock=100)
    for _ in range(ROUNDS):
        customer = factories.user()
        api = ApiClient(factories.token_for(customer))
        assert api.post("/cart/lines", {"sku": tea.public_id, "quantity": 2}).status_code in (200, 201)
        assert api.post("/cart/lines", {"sku": cake.public_id}).status_code in (200, 201)

        answers = _submit_twice(api.token)

        assert answers == [(201, None), (409, "cart_empty")], answers
        orders = Order.objects.filter(customer=customer)
        assert orders.count() == 2  # one per merchant, one checkout group
        assert len(set(orders.values_list("checkout_group", flat=True))) == 1
        assert not CartLine.objects.filter(cart__customer=customer).exists()
    assert StockLevel.objects.get(sku=tea).reserved == 2 * ROUNDS
    assert StockLevel.objects.get(sku=cake).reserved == ROUNDS
