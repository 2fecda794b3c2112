"""Property: whatever sequence of payments, partial refunds, redemptions, reversals,
expiries, settlements and payouts happens, the books balance, nobody is refunded more
than they paid, and no merchant payable goes negative."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2o.core import clock
from o2o.core.errors import DomainError
from o2o.ledger import services as ledger
from o2o.ledger.services import check
from o2o.orders import services as orders
from o2o.payments import services as payments
from o2o.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import USABLE, Redemption, Voucher
from tests.ledger.helpers import buy, gateway  # noqa: F401
from tests.orders import builders as ob
from tests.shipping.helpers import ship_and_deliver
from tests.vouchers import builders as vb

OPS = ["buy_service", "buy_goods", "redeem", "reverse", "refund_voucher", "refund_goods", "refund_outcome",
       "ship_and_confirm", "expire", "relay", "settle", "payout"]


def invariants() -> None:
    assert check.entries_balance() == []
    assert check.payables_not_negative() == []
    for p in Payment.objects.filter(status=PaymentStatus.SUCCEEDED):
        out = p.refunds.exclude(status=RefundStatus.FAILED).aggregate(s=Sum("amount_fen"))["s"] or 0
        assert out <= p.amount_fen


Move = tuple[str, int, int, int, bool]  # (operation, pick, amount, count, flag): drawn up front


def pick(items: list, index: int):
    return items[index % len(items)] if items else None


def step(w, move: Move) -> None:
    op, index, amount, count, flag = move
    if op == "buy_service":
        product = vb.service(w.merchant, price_fen=amount, uses=count, auto_refund_on_expiry=flag)
        buy(w.customer, product.skus.get(), 1 + index % 2)
    elif op == "buy_goods":
        buy(w.customer, ob.goods(w.merchant, price_fen=amount), 1 + index % 2, address=ob.ADDRESS)
    elif op == "redeem":
        v = pick(list(Voucher.objects.filter(merchant=w.merchant, status__in=USABLE).order_by("id")), index)
        if v is not None:
            vouchers.redeem(w.staff, w.store.public_id, v.code, min(count, v.uses_left))
    elif op == "reverse":
        r = pick(list(Redemption.objects.filter(merchant=w.merchant, reversed_at__isnull=True).order_by("id")),
                 index)
        if r is not None:
            vouchers.reverse(w.staff, r.public_id)
    elif op == "refund_voucher":
        v = pick(list(Voucher.objects.filter(merchant=w.merchant, status__in=USABLE).order_by("id")), index)
        if v is not None:
            vouchers.request_refund(w.customer, v.public_id)
            payments.execute_voucher_refunds()
    elif op == "refund_goods":
        order = pick(list(orders_of(w, "goods", "paid")), index)
        if order is not None:
            left = payments.refundable_fen(payments.paid_payment(order))
            # sometimes more than is left: refused, nothing changes
            payments.refund_order(order, left + 1 if flag and count == 3 else 1 + amount % max(1, left),
                                  reason="partial")
    elif op == "refund_outcome":
        refund = pick(list(Refund.objects.filter(status=RefundStatus.PROCESSING).order_by("id")), index)
        if refund is not None:
            payments.submit_refund(refund.public_id)
            payments.settle_refund(refund.out_refund_no, "SUCCESS" if flag or count > 1 else "ABNORMAL")
    elif op == "ship_and_confirm":
        order = pick(list(orders_of(w, "goods", "paid")), index)
        if order is not None:
            ship_and_deliver(w.merchant, order)
            orders.confirm_received(w.customer, order.public_id)
    elif op == "expire":
        clock.advance(dt.timedelta(days=31))
        vouchers.expire_due()
        payments.execute_voucher_refunds()
    elif op == "relay":
        ledger.relay_pending()
    elif op == "settle":
        clock.advance(dt.timedelta(days=count - 1, hours=1))
        ledger.settle_due()
    elif op == "payout":
        payout = ledger.create_payout()
        if payout is not None and flag:
            ledger.mark_paid(payout.public_id)


def orders_of(w, kind: str, status: str):
    from o2o.orders.models import Order

    return Order.objects.filter(merchant=w.merchant, kind=kind, status=status)


MOVES = st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.integers(1, 20000), st.integers(1, 3),
                  st.booleans())


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(moves=st.lists(MOVES, min_size=3, max_size=14))
def test_books_always_balance(gateway, moves):  # noqa: F811
    clock.reset()
    with transaction.atomic():  # each example starts from empty books
        w = vb.world()
        for move in moves:
            try:
                with transaction.atomic():
                    step(w, move)
            except DomainError:
                pass  # an illegal move (reversal too late, refund over the limit...) changes nothing
            invariants()
        # Pay the refunds still processing, post everything, and prove the books.
        for refund in Refund.objects.filter(status=RefundStatus.PROCESSING):
            payments.submit_refund(refund.public_id)
            payments.settle_refund(refund.out_refund_no, "SUCCESS")
        ledger.relay_pending()
        report = ledger.run_checks()
        assert report.ok, report.problems
        invariants()
        transaction.set_rollback(True)
    clock.reset()
