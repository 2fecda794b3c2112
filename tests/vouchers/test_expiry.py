"""The expiry sweep with a controllable clock: nothing expires early, everything after;
unused uses are refunded when the deal says so."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.orders.models import Order
from o2o.vouchers import services, tasks
from o2o.vouchers.models import Voucher, VoucherRefund
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return b.world()


def test_nothing_expires_early_everything_after(w):
    refunding = b.buy(w.customer, b.service(w.merchant, uses=4, price_fen=10000), quantity=2)
    keeping = b.buy(w.customer, b.service(w.merchant, auto_refund_on_expiry=False, validity_days=10))
    card = b.vouchers_of(refunding)[0]
    services.redeem(w.staff, w.store.public_id, card.code, 1)
    short = b.vouchers_of(keeping)[0]

    clock.advance(dt.timedelta(days=10) - dt.timedelta(seconds=1))
    assert services.expire_due() == 0
    clock.advance(dt.timedelta(seconds=1))
    assert services.expire_due() == 1
    short.refresh_from_db()
    assert (short.status, short.uses_left) == ("expired", 1)
    assert not VoucherRefund.objects.filter(voucher=short).exists()
    assert Order.objects.get(pk=keeping.pk).status == "completed"

    clock.advance(dt.timedelta(days=20) - dt.timedelta(seconds=1))
    assert services.expire_due() == 0
    assert Voucher.objects.filter(order=refunding, status__in=["active", "partially_used"]).count() == 2
    clock.advance(dt.timedelta(seconds=1))
    assert services.expire_due() == 2
    assert services.expire_due() == 0  # idempotent
    refunds = {r.voucher_id: r for r in VoucherRefund.objects.filter(order=refunding)}
    assert refunds[card.pk].uses == 3 and refunds[card.pk].amount_fen == 7500
    assert all(r.source == "expiry" and r.status == "requested" for r in refunds.values())
    assert sum(r.amount_fen for r in refunds.values()) == 7500 + 10000
    assert set(Voucher.objects.filter(order=refunding).values_list("status", flat=True)) == \
        {"expired_refunded"}
    assert Order.objects.get(pk=refunding.pk).status == "completed"
    assert OutboxEvent.objects.filter(event_type="voucher.expired").count() == 3


def test_used_and_refunded_vouchers_are_left_alone(w):
    order = b.buy(w.customer, b.service(w.merchant), quantity=2)
    used, refunded = b.vouchers_of(order)
    services.redeem(w.staff, w.store.public_id, used.code)
    services.request_refund(w.customer, refunded.public_id, "")
    clock.advance(dt.timedelta(days=60))
    assert services.expire_due() == 0
    assert VoucherRefund.objects.filter(source="expiry").count() == 0


def test_periodic_task_is_registered_and_runs(w):
    from o2o.core import schedule

    assert "vouchers.expire_due" in schedule.registered()
    b.buy(w.customer, b.service(w.merchant))
    clock.advance(dt.timedelta(days=31))
    assert tasks.expire_vouchers.call() == 1
