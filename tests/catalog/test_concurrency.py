"""Concurrent writers on PostgreSQL: the SKU code rule holds with a clean 409, never a 500."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from o2o.catalog import services
from o2o.catalog.models import Sku
from o2o.core.errors import Conflict
from tests import factories


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_adding_the_same_code_at_once():
    m = factories.merchant()
    p = factories.product(m, published=False)
    barrier = threading.Barrier(4)
    results: list[str] = []
    lock = threading.Lock()

    def add() -> None:
        try:
            barrier.wait()
            services.add_sku(m, p.public_id, {"price_fen": 100, "code": "SAME"})
            outcome = "created"
        except Conflict as exc:
            outcome = exc.code
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=add) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["created"] + ["sku_code_taken"] * 3
    assert Sku.objects.filter(product=p, code="SAME").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_publish_and_last_sku_deactivation_race_leaves_a_consistent_product():
    """Whoever locks the product first wins; a published product never ends without a SKU."""
    m = factories.merchant()
    p = factories.product(m, published=False)
    sku = p.skus.get()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name, fn) -> None:
        try:
            barrier.wait()
            fn()
            outcomes[name] = "ok"
        except Conflict as exc:
            outcomes[name] = exc.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("publish", lambda: services.publish(m, p.public_id))),
        threading.Thread(target=run, args=("deactivate",
                                           lambda: services.deactivate_sku(m, p.public_id,
                                                                           sku.public_id))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p.refresh_from_db()
    sku.refresh_from_db()
    assert outcomes in ({"publish": "ok", "deactivate": "last_active_sku"},
                        {"publish": "product_has_no_sku", "deactivate": "ok"})
    assert not (p.is_published and not sku.is_active)
