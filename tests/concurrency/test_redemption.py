"""Redemption under real concurrency on PostgreSQL: threads with their own
connections race for the same voucher; the conditional UPDATE lets exactly as many
succeed as there are uses."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from o2o.core.errors import DomainError
from o2o.vouchers import services
from o2o.vouchers.models import Redemption, Voucher
from tests import factories
from tests.vouchers import builders as b

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls: list) -> tuple[list, list[str]]:
    """Run each (user, store, code, uses) at the same instant; return successes and error codes."""
    barrier = threading.Barrier(len(calls))
    lock = threading.Lock()
    ok: list = []
    refused: list[str] = []

    def run(user, store_id, code, uses):
        try:
            barrier.wait(timeout=30)
            redemption = services.redeem(user, store_id, code, uses)
            with lock:
                ok.append(redemption.pk)
        except DomainError as exc:
            with lock:
                refused.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return ok, refused


def test_two_staff_redeem_the_same_single_use_voucher_100_times():
    w = b.world()
    second = factories.staff(w.merchant, [w.store])
    product = b.service(w.merchant)
    vouchers = b.vouchers_of(b.buy(w.customer, product, 50)) + b.vouchers_of(b.buy(w.customer, product, 50))
    assert len(vouchers) == 100
    for v in vouchers:
        ok, refused = _race([(w.staff, w.store.public_id, v.code, 1),
                             (second, w.store.public_id, v.code, 1)])
        assert len(ok) == 1 and refused == ["fully_used"], (v.public_id, ok, refused)
    assert Redemption.objects.count() == 100
    assert set(Voucher.objects.values_list("status", "uses_left")) == {("used", 0)}


def test_ten_use_card_redeemed_by_15_concurrent_requests():
    w = b.world()
    staff = [w.staff] + [factories.staff(w.merchant, [w.store]) for _ in range(4)]
    card = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=10)))[0]
    ok, refused = _race([(staff[i % 5], w.store.public_id, card.code, 1) for i in range(15)])
    assert len(ok) == 10 and len(refused) == 5
    assert set(refused) <= {"fully_used", "invalid_uses"}
    card.refresh_from_db()
    assert (card.uses_left, card.status) == (0, "used")
    assert sum(Redemption.objects.filter(voucher=card).values_list("uses", flat=True)) == 10


def test_multi_use_requests_never_take_more_than_is_left():
    w = b.world()
    card = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=10)))[0]
    # 3 + 3 + 3 + 3 + 3 asked for, 10 available: at most three succeed, never negative.
    ok, refused = _race([(w.owner, w.store.public_id, card.code, 3) for _ in range(5)])
    card.refresh_from_db()
    assert len(ok) == 3 and card.uses_left == 1 and card.status == "partially_used"
    assert set(refused) <= {"invalid_uses", "fully_used"}
    assert sum(Redemption.objects.filter(voucher=card).values_list("uses", flat=True)) == 9


def test_redeem_and_refund_race_never_both_win():
    w = b.world()
    product = b.service(w.merchant)
    vouchers = b.vouchers_of(b.buy(w.customer, product, 20))
    for v in vouchers:
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}

        def redeem(v=v, barrier=barrier, results=results):
            try:
                barrier.wait(timeout=30)
                services.redeem(w.staff, w.store.public_id, v.code)
                results["redeem"] = "ok"
            except DomainError as exc:
                results["redeem"] = exc.code
            finally:
                connection.close()

        def refund(v=v, barrier=barrier, results=results):
            try:
                barrier.wait(timeout=30)
                services.request_refund(w.customer, v.public_id, "")
                results["refund"] = "ok"
            except DomainError as exc:
                results["refund"] = exc.code
            finally:
                connection.close()

        threads = [threading.Thread(target=redeem), threading.Thread(target=refund)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert list(results.values()).count("ok") == 1, results
        v.refresh_from_db()
        assert v.uses_left == 0 and v.status in ("used", "refunded")
        assert (v.status == "refunded") == (results["refund"] == "ok")
