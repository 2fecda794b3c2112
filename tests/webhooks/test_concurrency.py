"""Bounded concurrency: a slow receiver holds one delivery thread, never the others, and
two workers delivering at once post each delivery once (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from o2o.webhooks import delivery, services
from o2o.webhooks.models import Delivery, DeliveryStatus
from tests import factories
from tests.webhooks.helpers import endpoint_at, place_order, relay


def _pings(endpoint, n: int) -> None:
    for _ in range(n):
        services.ping(endpoint.merchant.owner, endpoint.public_id)


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_does_not_hold_up_other_endpoints(make_receiver, monkeypatch) -> None:
    monkeypatch.setenv("O2O_WEBHOOK_TIMEOUT_SECONDS", "5")
    slow, fast = make_receiver(delay=3.0), make_receiver()
    slow_endpoint, fast_endpoint = endpoint_at(slow), endpoint_at(fast)
    _pings(slow_endpoint, 2)
    _pings(fast_endpoint, 10)
    started = time.monotonic()
    delivery.deliver_due(concurrency=2, max_seconds=30)
    assert len(fast.got) == 10 and len(slow.got) == 2
    # Every fast delivery was done before the slow receiver had answered its first one.
    assert max(r.at for r in fast.got) < min(r.at for r in slow.got)
    assert time.monotonic() - started < 15  # 2 x 3 s at the slow one, in parallel with the rest


@pytest.mark.django_db(transaction=True)
def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(make_receiver, monkeypatch) -> None:
    monkeypatch.setenv("O2O_WEBHOOK_TIMEOUT_SECONDS", "0.5")
    slow = make_receiver(delay=4.0)
    endpoint = endpoint_at(slow)
    _pings(endpoint, 1)
    started = time.monotonic()
    delivery.deliver_due(concurrency=1, max_seconds=5)
    assert time.monotonic() - started < 3
    d = Delivery.objects.get()
    assert d.status == DeliveryStatus.PENDING and d.last_error == "timeout" and d.next_attempt_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_post_each_delivery_once(make_receiver) -> None:
    receivers = [make_receiver(delay=0.01) for _ in range(4)]
    m = factories.merchant()
    for r in receivers:
        endpoint_at(r, m)
    for _ in range(10):
        place_order(m)
    relay()
    assert Delivery.objects.count() == 40
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait()
            delivery.deliver_due(concurrency=2, max_seconds=30)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [r.webhook_id for rec in receivers for r in rec.got]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED, attempts=1).count() == 40
