"""Uploads under real concurrency on PostgreSQL: threads with their own connections."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from o2o.counter import services
from o2o.counter.models import OfflineConflict, OfflineRedemption
from o2o.ledger import services as ledger
from o2o.orders import services as orders
from o2o.vouchers.models import Redemption, Voucher
from tests.counter import helpers as h
from tests.ledger.helpers import drain, gateway, pay  # noqa: F401
from tests.vouchers import builders as b

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls: list) -> list[dict]:
    """Run each (device, items) upload at the same instant; return every item result."""
    barrier = threading.Barrier(len(calls))
    lock = threading.Lock()
    results: list[dict] = []
    errors: list[BaseException] = []

    def run(device, items):
        try:
            barrier.wait(timeout=30)
            out, _ = services.upload(device, items)
            with lock:
                results.extend(out)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors
    return results


def test_20_concurrent_uploads_of_the_same_nonce_apply_once():
    w = b.world()
    device, _ = h.device(w)
    card = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=10)))[0]
    it = h.item(card, w.store)
    results = _race([(device, [it]) for _ in range(20)])
    assert sorted(r["result"] for r in results) == ["applied"] + ["duplicate"] * 19
    assert {r["redemption"] for r in results} == {next(r["redemption"] for r in results if r["result"] == "applied")}
    card.refresh_from_db()
    assert card.uses_left == 9
    assert Redemption.objects.filter(voucher=card).count() == 1
    assert OfflineRedemption.objects.count() == 1


def test_20_devices_uploading_one_nonce_apply_it_once():
    w = b.world()
    devices = [h.device(w, name=f"D{i}")[0] for i in range(20)]
    card = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=10)))[0]
    it = h.item(card, w.store)
    results = _race([(d, [it]) for d in devices])
    assert sorted(r["result"] for r in results).count("applied") == 1
    card.refresh_from_db()
    assert card.uses_left == 9 and Redemption.objects.filter(voucher=card).count() == 1


def test_two_devices_one_single_use_voucher_one_applied_one_conflict_books_balance(gateway):  # noqa: F811
    w = b.world()
    d1, _ = h.device(w, name="A")
    d2, _ = h.device(w, name="B")
    sku = b.service(w.merchant, price_fen=9900).skus.get()
    (order,) = orders.place_orders(w.customer, [orders.Item(sku.public_id, 5)])
    pay(order)
    for v in Voucher.objects.filter(order=order):
        results = _race([(d1, [h.item(v, w.store)]), (d2, [h.item(v, w.store)])])
        assert sorted(r["result"] for r in results) == ["applied", "conflict"], results
    assert Redemption.objects.count() == 5 and OfflineConflict.objects.count() == 5
    assert set(Voucher.objects.values_list("status", "uses_left")) == {("used", 0)}
    drain()
    ledger.relay_pending()
    report = ledger.run_checks()
    assert report.ok, report.problems
