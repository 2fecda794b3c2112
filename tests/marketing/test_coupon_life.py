"""A coupon's life with its orders: claim, reserve at checkout, used when paid, back to
the wallet when the order closes unpaid, expired by the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from o2o.core import clock, schedule
from o2o.core.errors import Conflict
from o2o.marketing import services, tasks
from o2o.marketing.models import Coupon, CouponUse, UseState
from o2o.marketing.pricing import quote
from tests import factories
from tests.marketing import builders as b

pytestmark = pytest.mark.django_db


def _reserve(customer, coupon, order_pks, group="grp1"):
    with transaction.atomic():
        services.reserve_coupons(customer, [coupon.public_id], checkout_group=group,
                                 order_pks_by_coupon={coupon.public_id: order_pks})


def _status(coupon):
    return Coupon.objects.get(pk=coupon.pk).status


def test_reserve_then_paid_then_not_released_after_use():
    m = factories.merchant()
    customer = factories.user()
    coupon = services.claim(customer, b.template(m).public_id)
    _reserve(customer, coupon, [101])
    assert _status(coupon) == "reserved"
    services.coupons_paid(101)
    services.coupons_paid(101)  # idempotent
    assert _status(coupon) == "used"
    services.coupons_refunded(101)  # the template does not return coupons on refund
    assert _status(coupon) == "used"


def test_a_reserved_coupon_cannot_be_reserved_again():
    m = factories.merchant()
    customer = factories.user()
    coupon = services.claim(customer, b.template(m).public_id)
    _reserve(customer, coupon, [1])
    with pytest.raises(Conflict) as err:
        _reserve(customer, coupon, [2], group="grp2")
    assert err.value.code == "coupon_taken"
    assert list(CouponUse.objects.values_list("order_pk", flat=True)) == [1]


def test_released_when_every_order_of_a_platform_coupon_closes_unpaid():
    customer = factories.user()
    coupon = services.claim(customer, b.template(None).public_id)
    _reserve(customer, coupon, [7, 8])
    services.coupons_released(7)
    assert _status(coupon) == "reserved"  # order 8 still holds it
    services.coupons_released(8)
    services.coupons_released(8)
    assert _status(coupon) == "available"
    assert set(CouponUse.objects.values_list("state", flat=True)) == {UseState.RELEASED}
    _reserve(customer, coupon, [9], group="again")  # back in the wallet, usable again
    assert _status(coupon) == "reserved"


def test_released_after_its_validity_goes_to_expired():
    m = factories.merchant()
    customer = factories.user()
    coupon = services.claim(customer, b.template(m, valid_days=1).public_id)
    _reserve(customer, coupon, [5])
    clock.advance(dt.timedelta(days=2))
    services.coupons_released(5)
    assert _status(coupon) == "expired"


def test_return_on_refund_template_gives_the_coupon_back():
    m = factories.merchant()
    customer = factories.user()
    coupon = services.claim(customer, b.template(m, return_on_refund=True).public_id)
    _reserve(customer, coupon, [3])
    services.coupons_paid(3)
    services.coupons_refunded(3)
    assert _status(coupon) == "available"


def test_reserve_records_amounts_from_the_quote():
    m = factories.merchant()
    customer = factories.user()
    p = factories.product(m, price_fen=30000)
    coupon = services.claim(customer, b.template(m, amount_off_fen=2000, threshold_fen=0).public_id)
    q = quote(customer, [b.line(p)])
    key = f"{m.pk}:GOODS"
    with transaction.atomic():
        services.reserve_coupons(customer, q.coupons, checkout_group="g",
                                 order_pks_by_coupon={coupon.public_id: [42]}, quote=q,
                                 order_pk_by_key={key: 42})
    use = CouponUse.objects.get()
    assert (use.order_pk, use.amount_fen, use.merchant_funded_fen, use.order_net_fen) == (42, 2000, 2000, 28000)


def test_expiry_sweep():
    m = factories.merchant()
    customer = factories.user()
    keep = services.claim(customer, b.template(m, valid_days=30).public_id)
    lapse = services.claim(customer, b.template(m, valid_days=1).public_id)
    clock.advance(dt.timedelta(days=2))
    assert services.expire_due() == 1
    assert (_status(keep), _status(lapse)) == ("available", "expired")


def test_claim_limits():
    m = factories.merchant()
    customer = factories.user()
    t = b.template(m, total_quantity=2, per_customer_limit=1)
    services.claim(customer, t.public_id)
    with pytest.raises(Conflict) as err:
        services.claim(customer, t.public_id)
    assert err.value.code == "claim_limit_reached"
    services.claim(factories.user(), t.public_id)
    with pytest.raises(Conflict) as err:
        services.claim(factories.user(), t.public_id)
    assert err.value.code == "sold_out"
    t.refresh_from_db()
    assert t.claimed == 2 == Coupon.objects.filter(template=t).count()


def test_the_expiry_sweep_is_a_periodic_task():
    periodic = schedule.registered()["marketing.expire_coupons"]
    assert periodic.task is tasks.expire_coupons and periodic.every == dt.timedelta(minutes=5)
