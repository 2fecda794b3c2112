"""Payment reads are scoped: a payment by its payer or an operator; held payments and
reconciliation for operators only. Another payer's ids answer 404 like unknown ones."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import NotFound, PermissionDenied
from o2o.payments import selectors, services
from o2o.payments.models import Payment
from o2o.payments.services.attempts import new_out_trade_no
from tests import factories
from tests.payments import helpers as h
from tests.payments.test_held_payments import _held_by_notification

pytestmark = pytest.mark.django_db


def _refused(call, code: str) -> None:
    with pytest.raises(NotFound) as exc:
        call()
    assert exc.value.code == code


def test_a_payment_is_read_by_its_payer_and_operators_only():
    order = h.goods_order()
    now = clock.now()
    payment = Payment.objects.create(order=order, customer=order.customer, out_trade_no=new_out_trade_no(),
                                     channel="native", amount_fen=order.total_fen, status="pending",
                                     description="test", time_expire=order.payment_deadline,
                                     created_at=now, updated_at=now)
    assert selectors.payment_for(order.customer, payment.public_id).pk == payment.pk
    assert selectors.payment_for(factories.operator(), payment.public_id).pk == payment.pk
    _refused(lambda: selectors.payment_for(factories.user(), payment.public_id), "payment_not_found")
    _refused(lambda: selectors.payment_for(order.customer, "pay_unknown"), "payment_not_found")
    assert list(selectors.operator_payments(factories.operator(), "pending")) == [payment]
    assert not selectors.operator_payments(factories.operator(), "succeeded").exists()
    with pytest.raises(PermissionDenied):
        selectors.operator_payments(order.customer)


def test_held_payments_and_reconciliation_are_operator_reads():
    held = _held_by_notification()
    operator, customer = factories.operator(), held.payment.customer
    assert list(selectors.open_held(operator)) == [held]
    assert selectors.held_payment(operator, held.public_id).pk == held.pk
    _refused(lambda: selectors.held_payment(operator, "hld_unknown"), "held_payment_not_found")
    for call in (selectors.held_payments, selectors.open_held, selectors.operator_refunds,
                 selectors.reconciliation_runs, selectors.differences):
        with pytest.raises(PermissionDenied):
            call(customer)
    with pytest.raises(PermissionDenied):
        selectors.held_payment(customer, held.public_id)

    services.dismiss_held_payment(operator, held.public_id, "settled offline")
    assert not selectors.open_held(operator).exists()
    resolved = selectors.held_payment(operator, held.public_id)
    assert resolved.resolution.action == "dismiss"
    assert list(selectors.recently_resolved_held(operator)) == [held]

    _refused(lambda: selectors.reconciliation_run(operator, "rec_unknown"), "reconciliation_not_found")
    _refused(lambda: selectors.run_of_day(operator, dt.date(2020, 1, 1)), "reconciliation_not_found")
    _refused(lambda: selectors.difference(operator, "rcd_unknown"), "difference_not_found")
