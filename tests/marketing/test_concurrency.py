"""Claims and reservations under real concurrency on PostgreSQL: threads with their own
connections race; the conditional UPDATEs and the unique (template, customer, seq) hold
the quantity, the per-customer limit and one order per coupon."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from o2o.core.errors import DomainError
from o2o.marketing import services
from o2o.marketing.models import Coupon, CouponStatus, CouponUse
from tests import factories
from tests.marketing import builders as b

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(jobs: list[list[Callable[[], object]]]) -> tuple[int, Counter]:
    """One thread per job list, all started together; each runs its calls in turn.
    Returns how many calls succeeded and the error codes of the others."""
    barrier = threading.Barrier(len(jobs))
    lock = threading.Lock()
    ok = 0
    refused: Counter = Counter()

    def run(calls: list[Callable[[], object]]) -> None:
        nonlocal ok
        try:
            barrier.wait(timeout=30)
            for call in calls:
                try:
                    call()
                    with lock:
                        ok += 1
                except DomainError as exc:
                    with lock:
                        refused[exc.code] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(calls,)) for calls in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return ok, refused


def test_500_concurrent_claims_of_a_100_coupon_template_give_exactly_100():
    m = factories.merchant()
    t = b.template(m, total_quantity=100, per_customer_limit=10)
    customers = [factories.user() for _ in range(50)]
    # 25 threads (bounded: the database is shared), 20 claims each: every customer 10 times.
    attempts = [(c, t.public_id) for c in customers for _ in range(10)]
    jobs = [[(lambda c=c, pid=pid: services.claim(c, pid)) for c, pid in attempts[i::25]] for i in range(25)]
    ok, refused = _race(jobs)
    assert ok == 100 and refused == Counter({"sold_out": 400})
    t.refresh_from_db()
    assert t.claimed == 100 == Coupon.objects.filter(template=t).count()
    per_customer = Counter(Coupon.objects.filter(template=t).values_list("customer_id", flat=True))
    assert max(per_customer.values()) <= 10


def test_per_customer_limit_1_under_20_concurrent_claims_by_one_customer():
    m = factories.merchant()
    t = b.template(m, total_quantity=100, per_customer_limit=1)
    customer = factories.user()
    ok, refused = _race([[lambda: services.claim(customer, t.public_id)] for _ in range(20)])
    assert ok == 1 and refused == Counter({"claim_limit_reached": 19})
    t.refresh_from_db()
    assert t.claimed == 1 == Coupon.objects.filter(template=t, customer=customer).count()


def test_one_coupon_in_20_concurrent_reservations_goes_to_one_order():
    m = factories.merchant()
    customer = factories.user()
    coupon = services.claim(customer, b.template(m).public_id)

    def reserve(order_pk: int) -> None:
        with transaction.atomic():
            services.reserve_coupons(customer, [coupon.public_id], checkout_group=f"g{order_pk}",
                                     order_pks_by_coupon={coupon.public_id: [order_pk]})

    ok, refused = _race([[lambda pk=pk: reserve(pk)] for pk in range(1, 21)])
    assert ok == 1 and refused == Counter({"coupon_taken": 19})
    assert Coupon.objects.get(pk=coupon.pk).status == CouponStatus.RESERVED
    assert CouponUse.objects.filter(coupon=coupon).count() == 1
